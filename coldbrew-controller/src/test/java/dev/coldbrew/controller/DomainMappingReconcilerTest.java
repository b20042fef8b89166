package dev.coldbrew.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.api.model.DomainMapping.DomainMappingStatus;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.model.TrafficTarget;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DomainMappingReconciler}: the claim of a domain across namespaces, the resolution of the
 * target, and what reaches the gateway, over several reconciles (each after the cache has seen the
 * previous writes, as the work queue would run them).
 */
class DomainMappingReconcilerTest {
  private static final String DOMAIN = "www.example.com";

  private final TableTest t = new TableTest();
  private final DomainMappingReconciler reconciler = new DomainMappingReconciler(t.ctx, t.net);

  @AfterEach
  void close() {
    t.close();
  }

  /** A Service {@code name} of {@code ns} with its Route serving {@code revision} at 100 %. */
  private void service(String ns, String name, String revision) {
    Service svc = new Service();
    svc.metadata.namespace = ns;
    svc.metadata.name = name;
    t.seed(svc);
    Route route = new Route();
    route.metadata.namespace = ns;
    route.metadata.name = name;
    TrafficTarget target = new TrafficTarget();
    target.revisionName = revision;
    target.percent = 100L;
    target.latestRevision = true;
    route.spec.traffic = List.of(target);
    route.status = new Route.RouteStatus();
    route.status.traffic = List.of(target);
    t.seed(route);
  }

  private void mapping(String ns, String kind, String target) {
    DomainMapping dm = new DomainMapping();
    dm.metadata.namespace = ns;
    dm.metadata.name = DOMAIN;
    dm.spec.ref = new DomainMapping.Reference();
    dm.spec.ref.apiVersion = "serving.knative.dev/v1";
    dm.spec.ref.kind = kind;
    dm.spec.ref.name = target;
    dm.spec.ref.namespace = ns;
    t.seed(dm);
    t.clock.advance(Duration.ofSeconds(1)); // the next one is younger
  }

  private DomainMappingStatus reconcile(String ns) throws Exception {
    t.sync();
    reconciler.reconcile(new NamespacedName(ns, DOMAIN));
    t.sync();
    DomainMapping dm = (DomainMapping) t.memory.get(Kind.DOMAIN_MAPPING, ns, DOMAIN).orElseThrow();
    return dm.status;
  }

  private static void assertCondition(
      DomainMappingStatus st, String type, String status, String reason, String message) {
    Condition c = st.condition(type);
    assertThat(c.status).as(type).isEqualTo(status);
    assertThat(c.reason).as(type + " reason").isEqualTo(reason);
    assertThat(c.message).as(type + " message").isEqualTo(message);
  }

  private List<String> domainCalls() {
    return t.net.calls.stream().filter(c -> c.startsWith("domainsChanged")).toList();
  }

  @Test
  void aMappingToAReadyServiceClaimsTheDomainAndServesTheRoutesSplit() throws Exception {
    service("default", "hello", "hello-00001");
    mapping("default", "Service", "hello");

    DomainMappingStatus st = reconcile("default");

    assertThat(st.isReady()).isTrue();
    assertThat(st.url).isEqualTo("http://www.example.com:8080");
    assertThat(st.address.url).isEqualTo(st.url);
    assertThat(st.observedGeneration).isEqualTo(1L);
    assertCondition(st, DomainMappingStatus.DOMAIN_CLAIMED, Condition.TRUE, null, null);
    assertCondition(st, DomainMappingStatus.REFERENCE_RESOLVED, Condition.TRUE, null, null);
    assertThat(domainCalls())
        .containsExactly("domainsChanged {www.example.com=[default/hello-00001 100]} removed []");

    t.clearRecords();
    reconcile("default");
    assertThat(t.store.summary()).as("a second reconcile writes nothing").isEmpty();
    assertThat(domainCalls()).as("and sends nothing").isEmpty();
  }

  @Test
  void aRouteCanBeTheTarget() throws Exception {
    service("default", "hello", "hello-00001");
    mapping("default", "Route", "hello");

    assertThat(reconcile("default").isReady()).isTrue();
    assertThat(t.net.domains).containsOnlyKeys(DOMAIN);
  }

  @Test
  void aSecondNamespaceCannotTakeAClaimedDomainUntilTheHolderIsDeleted() throws Exception {
    service("default", "hello", "hello-00001");
    service("other", "bye", "bye-00001");
    mapping("default", "Service", "hello");
    reconcile("default");
    mapping("other", "Service", "bye");

    DomainMappingStatus other = reconcile("other");

    assertThat(other.isReady()).isFalse();
    String message = "The domain name is already in use by another DomainMapping";
    assertCondition(
        other,
        DomainMappingStatus.DOMAIN_CLAIMED,
        Condition.FALSE,
        "DomainAlreadyClaimed",
        message);
    assertCondition(other, Status.READY, Condition.FALSE, "DomainAlreadyClaimed", message);
    assertThat(t.net.domains.get(DOMAIN))
        .as("still the holder's split")
        .containsExactly(new Networking.Split(new NamespacedName("default", "hello-00001"), 100));
    assertThat(reconcile("default").isReady()).as("the holder keeps it").isTrue();
    assertThat(reconciler.mappingsOfDomain(DOMAIN))
        .containsExactlyInAnyOrder(
            new NamespacedName("default", DOMAIN), new NamespacedName("other", DOMAIN));

    t.memory.delete(Kind.DOMAIN_MAPPING, "default", DOMAIN);
    t.sync();
    t.clearRecords();
    reconciler.reconcile(new NamespacedName("default", DOMAIN));
    assertThat(domainCalls()).containsExactly("domainsChanged {} removed [www.example.com]");
    other = reconcile("other");

    assertThat(other.isReady()).as("the domain was freed for the other namespace").isTrue();
    assertThat(t.net.domains.get(DOMAIN))
        .containsExactly(new Networking.Split(new NamespacedName("other", "bye-00001"), 100));
  }

  @Test
  void theOlderOfTwoNewMappingsTakesTheDomainWhicheverIsReconciledFirst() throws Exception {
    service("default", "hello", "hello-00001");
    service("other", "bye", "bye-00001");
    mapping("other", "Service", "bye");
    mapping("default", "Service", "hello");

    assertThat(reconcile("default").isTrue(DomainMappingStatus.DOMAIN_CLAIMED)).isFalse();
    assertThat(reconcile("other").isReady()).isTrue();
    assertThat(reconcile("default").isTrue(DomainMappingStatus.DOMAIN_CLAIMED)).isFalse();
  }

  @Test
  void aMissingTargetIsReportedAndServedOnceItAppears() throws Exception {
    mapping("default", "Service", "hello");

    DomainMappingStatus st = reconcile("default");

    assertThat(st.isReady()).isFalse();
    assertCondition(st, DomainMappingStatus.DOMAIN_CLAIMED, Condition.TRUE, null, null);
    assertCondition(
        st,
        DomainMappingStatus.REFERENCE_RESOLVED,
        Condition.FALSE,
        "ResolveFailed",
        "Service \"hello\" not found.");
    assertCondition(
        st, Status.READY, Condition.FALSE, "ResolveFailed", "Service \"hello\" not found.");
    assertThat(t.net.domains).isEmpty();

    service("default", "hello", "hello-00001");
    t.sync();
    assertThat(reconciler.mappingsReferencing(t.get(Kind.ROUTE, "hello")))
        .as("the Route's changes re-queue the mapping")
        .containsExactly(new NamespacedName("default", DOMAIN));
    assertThat(reconciler.mappingsReferencing(t.get(Kind.SERVICE, "hello")))
        .containsExactly(new NamespacedName("default", DOMAIN));

    assertThat(reconcile("default").isReady()).isTrue();
    assertThat(t.net.domains).containsOnlyKeys(DOMAIN);
  }

  @Test
  void aServiceWithoutTrafficYetDoesNotResolve() throws Exception {
    service("default", "hello", "hello-00001");
    Route route = t.get(Kind.ROUTE, "hello");
    route.status.traffic = null;
    t.memory.updateStatus(route);
    mapping("default", "Service", "hello");

    DomainMappingStatus st = reconcile("default");

    assertCondition(
        st,
        DomainMappingStatus.REFERENCE_RESOLVED,
        Condition.FALSE,
        "ResolveFailed",
        "Service \"hello\" has no ready traffic target yet, so no address to map to.");
    assertThat(t.net.domains).isEmpty();
  }

  @Test
  void deletingTheTargetMakesTheMappingNotReadyAndTakesTheDomainOut() throws Exception {
    service("default", "hello", "hello-00001");
    mapping("default", "Service", "hello");
    assertThat(reconcile("default").isReady()).isTrue();

    t.memory.delete(Kind.SERVICE, "default", "hello");
    t.memory.delete(Kind.ROUTE, "default", "hello");
    t.clearRecords();
    DomainMappingStatus st = reconcile("default");

    assertThat(st.isReady()).isFalse();
    assertThat(st.condition(Status.READY).reason).isEqualTo("ResolveFailed");
    assertThat(domainCalls()).containsExactly("domainsChanged {} removed [www.example.com]");
    assertThat(t.memory.get(Kind.DOMAIN_MAPPING, "default", DOMAIN))
        .as("the mapping is kept")
        .isPresent();
  }

  @Test
  void aMappingWithoutARefWrittenPastValidationIsNotResolvedRatherThanRetriedForever()
      throws Exception {
    mapping("default", "Service", "hello");
    DomainMapping dm = t.get(Kind.DOMAIN_MAPPING, DOMAIN);
    dm.spec.ref = null;
    t.memory.update(dm); // as kubectl could on a cluster: the CRD's schema is open

    DomainMappingStatus st = reconcile("default");

    assertCondition(
        st,
        DomainMappingStatus.REFERENCE_RESOLVED,
        Condition.FALSE,
        "ResolveFailed",
        "spec.ref names no Service or Route.");
  }

  @Test
  void aClusterLocalTargetIsStillMappedAsKnativesMappingIngressIsExternal() throws Exception {
    service("default", "hello", "hello-00001");
    Route route = t.get(Kind.ROUTE, "hello");
    route.metadata.labels().put(Route.VISIBILITY_LABEL, Route.CLUSTER_LOCAL);
    t.memory.update(route);
    mapping("default", "Service", "hello");

    assertThat(reconcile("default").isReady()).isTrue();
    assertThat(t.net.domains).containsOnlyKeys(DOMAIN);
  }
}
