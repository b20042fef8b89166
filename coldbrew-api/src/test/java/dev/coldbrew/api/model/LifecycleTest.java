package dev.coldbrew.api.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.validation.ValidationException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The condition vocabulary: condition sets, roll-up into Ready, and each kind's helpers. */
class LifecycleTest {
  private static final Clock T0 =
      Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
  private static final Clock T1 =
      Clock.fixed(Instant.parse("2026-01-01T00:01:00Z"), ZoneOffset.UTC);

  private static Condition ready(Status st) {
    return st.condition(Status.READY);
  }

  @Test
  void readyIsTrueOnlyWhenEveryDependentIsTrue() {
    Revision.RevisionStatus st = new Revision.RevisionStatus();
    st.markResourcesAvailable(T0);
    st.rollUpReady(T0);
    assertThat(ready(st).status).as("ContainerHealthy missing").isEqualTo(Condition.UNKNOWN);
    assertThat(ready(st).reason).isNull();

    st.markContainerHealthy(T0);
    st.rollUpReady(T0);
    assertThat(st.isReady()).isTrue();
    assertThat(ready(st).reason).isNull();
  }

  @Test
  void theFirstFalseDependentWinsOverUnknownOnes() {
    Revision.RevisionStatus st = new Revision.RevisionStatus();
    st.markResourcesAvailableUnknown("Deploying", null, T0);
    st.markContainerUnhealthy("ExitCode3", "boom", T0);
    st.rollUpReady(T0);
    assertThat(ready(st).status).isEqualTo(Condition.FALSE);
    assertThat(ready(st).reason).isEqualTo("ExitCode3");
    assertThat(ready(st).message).isEqualTo("boom");
  }

  @Test
  void otherwiseTheFirstUnknownDependentInTheSetsOrderGivesTheReason() {
    Route.RouteStatus st = new Route.RouteStatus();
    st.markCertificateNotRequired(T0);
    st.markIngressNotReady(T0);
    st.markTrafficNotAssigned(false, Route.RouteStatus.REVISION_MISSING, "waiting", T0);
    st.rollUpReady(T0);
    assertThat(ready(st).status).isEqualTo(Condition.UNKNOWN);
    assertThat(ready(st).reason).as("AllTrafficAssigned comes first").isEqualTo("RevisionMissing");
  }

  @Test
  void aSetWithoutDependentsLeavesReadyToTheKindsOwnHelpers() {
    Configuration.ConfigurationStatus st = new Configuration.ConfigurationStatus();
    st.markLatestCreatedFailed("hello-00001", "boom", T0);
    st.rollUpReady(T0);
    assertThat(ready(st).status).isEqualTo(Condition.FALSE);
    assertThat(ready(st).message).isEqualTo("Revision \"hello-00001\" failed with message: boom.");

    st.markLatestReady("hello-00001", T0);
    assertThat(st.isReady()).isTrue();
    assertThat(st.latestReadyRevisionName).isEqualTo("hello-00001");
  }

  @Test
  void informationalConditionsDoNotRollUpAndKeepTheirSeverity() {
    ServerlessService.SksStatus st = new ServerlessService.SksStatus();
    st.markEndpointsPopulated(T0);
    st.markActivatorEndpointsPopulated(T0);
    st.rollUpReady(T0);
    assertThat(st.isReady()).isTrue();
    Condition activator = st.condition(ServerlessService.SksStatus.ACTIVATOR_ENDPOINTS_POPULATED);
    assertThat(activator.severity).isEqualTo(Condition.INFO);

    st.markActivatorEndpointsRemoved(T1);
    activator = st.condition(ServerlessService.SksStatus.ACTIVATOR_ENDPOINTS_POPULATED);
    assertThat(activator.status).isEqualTo(Condition.FALSE);
    assertThat(activator.reason).isEqualTo("ActivatorEndpointsNotPopulated");
    assertThat(activator.severity).isEqualTo(Condition.INFO);
    st.rollUpReady(T1);
    assertThat(st.isReady()).as("an Info condition that is False does not fail Ready").isTrue();
  }

  @Test
  void lastTransitionTimeMovesOnlyWhenTheStatusChanges() {
    PodAutoscaler.PodAutoscalerStatus st = new PodAutoscaler.PodAutoscalerStatus();
    st.markActive(Condition.UNKNOWN, "Queued", null, T0);
    st.markActive(Condition.UNKNOWN, "Activating", "starting", T1);
    Condition active = st.condition(PodAutoscaler.PodAutoscalerStatus.ACTIVE);
    assertThat(active.reason).isEqualTo("Activating");
    assertThat(active.lastTransitionTime).isEqualTo("2026-01-01T00:00:00Z");

    st.markActive(Condition.TRUE, null, null, T1);
    assertThat(st.condition(PodAutoscaler.PodAutoscalerStatus.ACTIVE).lastTransitionTime)
        .isEqualTo("2026-01-01T00:01:00Z");
  }

  @Test
  void initializeAddsMissingConditionsAsUnknownAndKeepsTheOthers() {
    Service.ServiceStatus st = new Service.ServiceStatus();
    st.markRouteNotOwned("hello", T0);
    st.initializeConditions(T1);
    assertThat(st.conditions)
        .extracting(c -> c.type + "=" + c.status)
        .containsExactly("ConfigurationsReady=Unknown", "Ready=Unknown", "RoutesReady=False");
    assertThat(st.condition(Service.ServiceStatus.ROUTES_READY).reason).isEqualTo("NotOwned");
  }

  @Test
  void propagationCopiesTheChildsReadyOrSaysWhyItCannot() {
    Service.ServiceStatus svc = new Service.ServiceStatus();
    Configuration.ConfigurationStatus cfg = new Configuration.ConfigurationStatus();
    svc.propagateConfigurationStatus(cfg, T0);
    Condition c = svc.condition(Service.ServiceStatus.CONFIGURATIONS_READY);
    assertThat(c.status).isEqualTo(Condition.UNKNOWN);
    assertThat(c.reason).isEqualTo("OutOfDate");

    cfg.latestCreatedRevisionName = "hello-00002";
    cfg.markLatestReady("hello-00002", T0);
    svc.propagateConfigurationStatus(cfg, T0);
    assertThat(svc.condition(Service.ServiceStatus.CONFIGURATIONS_READY).isTrue()).isTrue();
    assertThat(svc.latestReadyRevisionName).isEqualTo("hello-00002");

    PodAutoscaler.PodAutoscalerStatus pa = new PodAutoscaler.PodAutoscalerStatus();
    pa.propagateSksStatus(null, T0);
    assertThat(pa.condition(PodAutoscaler.PodAutoscalerStatus.SKS_READY).reason)
        .isEqualTo("NoHealthyBackends");
  }

  @Test
  void helpersAreNotJsonProperties() {
    Revision rev = new Revision();
    rev.metadata.name = "hello-00001";
    rev.ensureStatus().markResourcesAvailable(T0);
    rev.status.rollUpReady(T0);
    String json = ResourceCodec.toJson(rev);
    assertThat(json).doesNotContain("\"ready\"").doesNotContain("exceededProgressDeadline");
    Revision back = (Revision) ResourceCodec.fromStoredJson(json);
    assertThat(back.status.condition(Revision.RevisionStatus.RESOURCES_AVAILABLE).isTrue())
        .isTrue();
  }

  @Test
  void theSksModeIsWrittenWithItsWireNameAndAnythingElseIsRefused() {
    ServerlessService sks = new ServerlessService();
    sks.metadata.name = "hello-00001";
    sks.metadata.namespace = "default";
    sks.spec.mode = SksMode.SERVE;
    String json = ResourceCodec.toJson(sks);
    assertThat(json).contains("\"mode\":\"Serve\"");
    assertThat(((ServerlessService) ResourceCodec.decodeOne(json)).spec.mode)
        .isEqualTo(SksMode.SERVE);
    assertThat(SksMode.PROXY.toString()).isEqualTo("Proxy");

    assertThatThrownBy(() -> ResourceCodec.decodeOne(json.replace("\"Serve\"", "\"Fast\"")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("spec.mode: \"Fast\" (expected: Proxy or Serve)");
  }
}
