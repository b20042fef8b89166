package dev.coldbrew.controller;

import static dev.coldbrew.controller.TableTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Endpoints;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.ServerlessService.SksStatus;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.store.FaultyStore.Op;
import dev.coldbrew.store.StoreException.Reason;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** {@link ServerlessServiceReconciler}: one reconcile per row (see {@link TableTest}). */
class ServerlessServiceReconcilerTest {
  private static final String REV = "hello-00001";
  private static final NamespacedName KEY = new NamespacedName("default", REV);
  private static final String CREATE_PRIVATE = "create Endpoints default/hello-00001-private";
  private static final String CREATE_PUBLIC = "create Endpoints default/hello-00001";
  private static final String STATUS = "updateStatus ServerlessService default/hello-00001";
  private static final String ACTIVATOR = "127.0.0.1:8080";
  private static final List<String> TWO_INSTANCES = List.of("127.0.0.1:20000", "127.0.0.1:20001");

  /** A Revision's SKS in {@code mode}, and the Revision's {@code ready} instances. */
  private static ServerlessService sks(TableTest t, SksMode mode, int ready) {
    Revision rev = Given.serviceToRevision(t);
    ServerlessService sks = RevisionReconciler.desiredServerlessService(rev);
    sks.spec.mode = mode;
    sks = t.seed(sks);
    if (ready > 0) {
      t.runtime.setReady(KEY, ready, ContainerHealth.HEALTHY);
    }
    return sks;
  }

  /**
   * A serving SKS whose endpoints were written while it had no instance (none private, the
   * activator public), and then two ready instances.
   */
  private static void scaledFromZero(TableTest t) {
    ServerlessService sks = sks(t, SksMode.SERVE, 0);
    t.seed(StoreSksEndpoints.desiredEndpoints(sks, REV + "-private", List.of(), "Private"));
    t.seed(StoreSksEndpoints.desiredEndpoints(sks, REV, List.of(ACTIVATOR), "Public"));
    t.runtime.setReady(KEY, 2, ContainerHealth.HEALTHY);
  }

  private static SksStatus status(TableTest t) {
    return t.<ServerlessService>get(Kind.SERVERLESS_SERVICE, REV).status;
  }

  private static List<String> endpoints(TableTest t, String name) {
    return t.<Endpoints>get(Kind.ENDPOINTS, name).addresses();
  }

  private static void assertActivatorInPath(TableTest t, boolean inPath) {
    Condition c = status(t).condition(SksStatus.ACTIVATOR_ENDPOINTS_POPULATED);
    assertThat(c.status).isEqualTo(inPath ? Condition.TRUE : Condition.FALSE);
    assertThat(c.reason)
        .isEqualTo(inPath ? "ActivatorEndpointsPopulated" : "ActivatorEndpointsNotPopulated");
    assertThat(c.severity).isEqualTo(Condition.INFO);
  }

  @TestFactory
  Stream<DynamicTest> table() {
    return TableTest.table(
        t -> new ServerlessServiceReconciler(t.ctx, t.runtime, new StoreSksEndpoints(t.ctx, t.net)),
        row("Proxy with no instance: the public endpoints are the activator")
            .given(t -> sks(t, SksMode.PROXY, 0))
            .key(REV)
            .writes(CREATE_PRIVATE, CREATE_PUBLIC, STATUS)
            .networking("modeChanged default/hello-00001 Proxy")
            .then(
                t -> {
                  assertThat(endpoints(t, REV)).containsExactly(ACTIVATOR);
                  assertThat(endpoints(t, REV + "-private")).isEmpty();
                  Endpoints pub = t.get(Kind.ENDPOINTS, REV);
                  assertThat(pub.metadata.labels)
                      .containsEntry(Labels.SKS, REV)
                      .containsEntry(Labels.SERVICE_TYPE, "Public");
                  assertThat(pub.metadata.controllerRef().name).isEqualTo(REV);
                  SksStatus st = status(t);
                  assertThat(st.serviceName).isEqualTo(REV);
                  assertThat(st.privateServiceName).isEqualTo(REV + "-private");
                  Condition populated = st.condition(SksStatus.ENDPOINTS_POPULATED);
                  assertThat(populated.status).isEqualTo(Condition.UNKNOWN);
                  assertThat(populated.reason).isEqualTo("NoHealthyBackends");
                  assertThat(st.condition(Status.READY).reason).isEqualTo("NoHealthyBackends");
                  assertActivatorInPath(t, true);
                }),
        row("Serve with ready instances: the public endpoints are the instances")
            .given(t -> sks(t, SksMode.SERVE, 2))
            .key(REV)
            .writes(CREATE_PRIVATE, CREATE_PUBLIC, STATUS)
            .networking("modeChanged default/hello-00001 Serve")
            .then(
                t -> {
                  assertThat(endpoints(t, REV)).containsExactlyElementsOf(TWO_INSTANCES);
                  assertThat(endpoints(t, REV + "-private"))
                      .containsExactlyElementsOf(TWO_INSTANCES);
                  assertThat(status(t).isReady()).isTrue();
                  assertActivatorInPath(t, false);
                }),
        row("Serve with no instance is forced to Proxy, as Knative does")
            .given(t -> sks(t, SksMode.SERVE, 0))
            .key(REV)
            .writes(CREATE_PRIVATE, CREATE_PUBLIC, STATUS)
            .networking("modeChanged default/hello-00001 Proxy")
            .then(
                t -> {
                  assertThat(endpoints(t, REV)).containsExactly(ACTIVATOR);
                  assertActivatorInPath(t, true);
                }),
        row("Proxy with ready instances: Ready, the activator stays in the path")
            .given(t -> sks(t, SksMode.PROXY, 2))
            .key(REV)
            .writes(CREATE_PRIVATE, CREATE_PUBLIC, STATUS)
            .networking("modeChanged default/hello-00001 Proxy")
            .then(
                t -> {
                  assertThat(endpoints(t, REV)).containsExactly(ACTIVATOR);
                  assertThat(endpoints(t, REV + "-private"))
                      .containsExactlyElementsOf(TWO_INSTANCES);
                  assertThat(status(t).isReady()).isTrue();
                  assertActivatorInPath(t, true);
                }),
        row("a new ready instance updates both endpoint sets")
            .given(ServerlessServiceReconcilerTest::scaledFromZero)
            .key(REV)
            .writes(
                "update Endpoints default/hello-00001-private",
                "update Endpoints default/hello-00001",
                STATUS)
            .then(t -> assertThat(endpoints(t, REV)).containsExactlyElementsOf(TWO_INSTANCES)),
        row("CONFLICT on an endpoints update: the private set is updated, the retry does the rest")
            .given(
                t -> {
                  scaledFromZero(t);
                  t.store.failNext(Op.UPDATE, Kind.ENDPOINTS, REV, Reason.CONFLICT);
                })
            .key(REV)
            .fails(Reason.CONFLICT)
            .writes(
                "update Endpoints default/hello-00001-private",
                "update Endpoints default/hello-00001 -> CONFLICT")
            .retryWrites("update Endpoints default/hello-00001", STATUS)
            .then(t -> assertThat(endpoints(t, REV)).containsExactly(ACTIVATOR)),
        row("CONFLICT on the status write: the retry writes it")
            .given(
                t -> {
                  sks(t, SksMode.PROXY, 0);
                  t.store.failNext(Op.UPDATE_STATUS, Kind.SERVERLESS_SERVICE, Reason.CONFLICT);
                })
            .key(REV)
            .fails(Reason.CONFLICT)
            .writes(CREATE_PRIVATE, CREATE_PUBLIC, STATUS + " -> CONFLICT")
            .retryWrites(STATUS),
        row("UNAVAILABLE on the first endpoints create: nothing is written")
            .given(
                t -> {
                  sks(t, SksMode.PROXY, 0);
                  t.store.failNext(Op.CREATE, Kind.ENDPOINTS, Reason.UNAVAILABLE);
                })
            .key(REV)
            .fails(Reason.UNAVAILABLE)
            .writes(CREATE_PRIVATE + " -> UNAVAILABLE")
            .retryWrites(CREATE_PRIVATE, CREATE_PUBLIC, STATUS)
            .then(t -> assertThat((Endpoints) t.get(Kind.ENDPOINTS, REV + "-private")).isNull()),
        row("an SKS that is gone: nothing to do (its endpoints go with it)")
            .key(REV)
            .writes()
            .networking());
  }
}
