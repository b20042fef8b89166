package dev.coldbrew.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.SqliteStore;
import dev.coldbrew.store.admission.Admission;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconcilers together, end to end: the controller manager's work queues and cache over a real
 * SQLite store and a fake runtime (no processes). Only what needs several reconcilers, the cache's
 * events and real time is here; each reconciler's cases are its table test ({@link TableTest}).
 */
class ReconcilersTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ValidationContext CTX = ValidationContext.standard();

  @TempDir Path dir;
  SqliteStore store;
  FakeRuntime runtime;
  RecordingNetworking net;
  ControllerManager manager;
  ValidationContext ctx = CTX;

  @BeforeEach
  void start() throws Exception {
    store = SqliteStore.open(dir);
    runtime = new FakeRuntime();
    net = new RecordingNetworking();
    manager = new ControllerManager(store, runtime, net, ctx, "localhost", 8080, Clock.systemUTC());
    manager.start();
  }

  @AfterEach
  void stop() {
    manager.close();
    store.close();
  }

  /** Applies the manifest as {@code coldbrew apply} does. */
  private Resource apply(String yaml) {
    return new Admission(store, ctx).apply(ResourceCodec.decodeOne(yaml)).resource();
  }

  @SuppressWarnings("unchecked")
  private <T extends Resource> T get(Kind kind, String name) {
    return (T) store.get(kind, "default", name).orElse(null);
  }

  private void awaitReady(Kind kind, String name) {
    try {
      awaitReadyOnce(kind, name);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      StringBuilder sb = new StringBuilder();
      for (Kind k : Kind.values()) {
        store
            .list(k, null)
            .items()
            .forEach(r -> sb.append(ResourceCodec.toYaml(r)).append("---\n"));
      }
      throw new AssertionError(kind + " " + name + " not ready; the store holds:\n" + sb, e);
    }
  }

  private void awaitReadyOnce(Kind kind, String name) {
    await()
        .atMost(WAIT)
        .until(
            () -> {
              Resource r = get(kind, name);
              return r != null
                  && r.status() != null
                  && r.status().isReady()
                  && r.status().observedGeneration.equals(r.metadata.generation);
            });
  }

  @Test
  void serviceBecomesReadyWithItsChildrenNamedAndOwned() {
    Service svc = (Service) apply(Given.hello("World", ""));
    awaitReady(Kind.SERVICE, "hello");

    Configuration cfg = get(Kind.CONFIGURATION, "hello");
    Route route = get(Kind.ROUTE, "hello");
    Revision rev = get(Kind.REVISION, "hello-00001");
    assertThat(cfg.metadata.controllerRef().uid).isEqualTo(svc.metadata.uid);
    assertThat(route.metadata.controllerRef().uid).isEqualTo(svc.metadata.uid);
    assertThat(rev.metadata.controllerRef().uid).isEqualTo(cfg.metadata.uid);
    assertThat(cfg.metadata.labels)
        .containsEntry("team", "blue")
        .containsEntry(Labels.SERVICE, "hello");
    assertThat(rev.metadata.labels)
        .containsEntry(Labels.SERVICE, "hello")
        .containsEntry(Labels.CONFIGURATION, "hello")
        .containsEntry(Labels.CONFIGURATION_GENERATION, "1");
    assertThat(rev.spec.container().env.get(0).value).isEqualTo("World");

    Service ready = get(Kind.SERVICE, "hello");
    assertThat(ready.status.url).isEqualTo("http://hello.default.localhost:8080");
    assertThat(ready.status.latestCreatedRevisionName).isEqualTo("hello-00001");
    assertThat(ready.status.latestReadyRevisionName).isEqualTo("hello-00001");
    assertThat(ready.status.traffic)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.revisionName).isEqualTo("hello-00001");
              assertThat(t.percent).isEqualTo(100);
              assertThat(t.latestRevision).isTrue();
            });
    assertThat(net.hosts.get("hello.default.localhost"))
        .containsExactly(new Networking.Split(new NamespacedName("default", "hello-00001"), 100));
    assertThat(this.<Resource>get(Kind.POD_AUTOSCALER, "hello-00001")).isNotNull();
    assertThat(this.<Resource>get(Kind.SERVERLESS_SERVICE, "hello-00001")).isNotNull();
  }

  /**
   * A name near 63 characters: the revision, its Deployment and its private Service are shortened
   * as Knative's {@code kmeta.ChildName} does, and the PodAutoscaler names the same objects the
   * runtime and the ServerlessService make (on a cluster, longer names are refused).
   */
  @Test
  void longNamesAreShortenedAlikeWhereverTheyAreUsed() {
    String name = "a-service-name-that-is-long-enough-to-need-shortening-xxxxx";
    apply(Given.hello("World", "").replace("name: hello", "name: " + name));
    awaitReady(Kind.SERVICE, name);

    Service svc = get(Kind.SERVICE, name);
    String rev = svc.status.latestReadyRevisionName;
    assertThat(rev).isEqualTo(Names.child(name, "-00001")).hasSizeLessThanOrEqualTo(63);
    assertThat(rev).isNotEqualTo(name + "-00001");
    dev.coldbrew.api.model.PodAutoscaler pa = get(Kind.POD_AUTOSCALER, rev);
    dev.coldbrew.api.model.ServerlessService sks = get(Kind.SERVERLESS_SERVICE, rev);
    assertThat(pa.spec.scaleTargetRef.name)
        .isEqualTo(Names.child(rev, "-deployment"))
        .hasSizeLessThanOrEqualTo(63);
    assertThat(pa.status.metricsServiceName)
        .isEqualTo(sks.status.privateServiceName)
        .hasSizeLessThanOrEqualTo(63);
  }

  @Test
  void revisionsAreStampedOnlyWhenTheTemplateChanges() {
    apply(Given.hello("World", ""));
    awaitReady(Kind.SERVICE, "hello");

    apply(Given.hello("World", "  traffic: [{latestRevision: true, percent: 100, tag: current}]"));
    await()
        .atMost(WAIT)
        .until(
            () -> {
              Route r = get(Kind.ROUTE, "hello");
              return r.status != null
                  && r.status.traffic != null
                  && "current".equals(r.status.traffic.get(0).tag);
            });
    assertThat(store.list(Kind.REVISION, "default").items()).hasSize(1);

    apply(Given.hello("Coldbrew", ""));
    await().atMost(WAIT).until(() -> get(Kind.REVISION, "hello-00002") != null);
    awaitReady(Kind.SERVICE, "hello");
    await()
        .atMost(WAIT)
        .until(
            () -> {
              Service s = get(Kind.SERVICE, "hello");
              return "hello-00002".equals(s.status.latestReadyRevisionName)
                  && "hello-00002".equals(s.status.traffic.get(0).revisionName);
            });
    assertThat(store.list(Kind.REVISION, "default").items()).hasSize(2);
  }

  private DomainMapping mapping(String ns) {
    return (DomainMapping) store.get(Kind.DOMAIN_MAPPING, ns, "www.example.com").orElseThrow();
  }

  private String ready(String ns) {
    var c = mapping(ns).status == null ? null : mapping(ns).status.condition(Status.READY);
    return c == null ? "" : c.status + " " + c.reason;
  }

  @Test
  void aDomainMappingFollowsItsServiceAndPassesTheDomainOnWhenDeleted() {
    String dm =
        """
        apiVersion: serving.knative.dev/v1beta1
        kind: DomainMapping
        metadata: {name: www.example.com, namespace: %s}
        spec:
          ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: hello}
        """;
    apply(dm.formatted("default"));
    await().atMost(WAIT).until(() -> ready("default").equals("False ResolveFailed"));

    apply(Given.hello("World", ""));
    await().atMost(WAIT).until(() -> ready("default").equals("True null"));
    assertThat(net.domains.get("www.example.com"))
        .containsExactly(new Networking.Split(new NamespacedName("default", "hello-00001"), 100));

    apply(
        Given.hello("Other", "").replace("  name: hello\n", "  name: hello\n  namespace: other\n"));
    apply(dm.formatted("other"));
    await().atMost(WAIT).until(() -> ready("other").equals("False DomainAlreadyClaimed"));

    store.delete(Kind.DOMAIN_MAPPING, "default", "www.example.com");
    await().atMost(WAIT).until(() -> ready("other").equals("True null"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                List.of(new Networking.Split(new NamespacedName("other", "hello-00001"), 100))
                    .equals(net.domains.get("www.example.com")));

    store.delete(Kind.SERVICE, "other", "hello");
    await().atMost(WAIT).until(() -> ready("other").equals("False ResolveFailed"));
    await().atMost(WAIT).until(() -> !net.domains.containsKey("www.example.com"));
  }

  @Test
  void deletingTheServiceDeletesEverythingItOwns() {
    apply(Given.hello("World", ""));
    awaitReady(Kind.SERVICE, "hello");
    store.delete(Kind.SERVICE, "default", "hello");
    for (Kind k :
        List.of(
            Kind.CONFIGURATION,
            Kind.ROUTE,
            Kind.REVISION,
            Kind.POD_AUTOSCALER,
            Kind.SERVERLESS_SERVICE,
            Kind.ENDPOINTS)) {
      assertThat(store.list(k, "default").items()).as(k.plural()).isEmpty();
    }
    await()
        .atMost(WAIT)
        .until(() -> runtime.removed.contains(new NamespacedName("default", "hello-00001")));
    await().atMost(WAIT).until(() -> !net.hosts.containsKey("hello.default.localhost"));
  }

  @Test
  void aScaleFromZeroThatGetsNoReadyInstanceFailsTheRevisionAtItsProgressDeadline()
      throws Exception {
    stop();
    ctx =
        new ValidationContext(
            CTX.defaults(),
            CTX.deployment(),
            CTX.domain(),
            AutoscalerConfig.fromMap("autoscaler", Map.of("allow-zero-initial-scale", "true")),
            true);
    start();
    runtime.autoReady = false;
    NamespacedName key = new NamespacedName("default", "hello-00001");
    apply(
        Given.hello("World", "")
            .replace(
                "    spec:\n      containers",
                "    metadata:\n      annotations: {serving.knative.dev/progress-deadline: 2s,"
                    + " autoscaling.knative.dev/initial-scale: \"0\"}\n"
                    + "    spec:\n      containers"));
    awaitReady(Kind.REVISION, "hello-00001"); // at zero, as a revision with no traffic is

    // a request arrives at zero: the activator reports it, the revision scales to 1, and the
    // instance never gets ready
    await()
        .atMost(WAIT)
        .until(
            () -> {
              manager
                  .statSink()
                  .accept(new Stat(key, System.currentTimeMillis(), "activator", 1, 0, 1, 0));
              return runtime.scaled.getOrDefault(key, 0) >= 1;
            });
    long t0 = System.nanoTime();
    assertThat(net.failures).doesNotContainKey(key);
    await().atMost(WAIT).until(() -> net.failures.containsKey(key));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    // the reconciler tells the gateway first, then writes the status
    await()
        .atMost(WAIT)
        .until(
            () ->
                this.<Revision>get(Kind.REVISION, "hello-00001")
                    .status
                    .condition(Status.READY)
                    .isFalse());
    Revision r = get(Kind.REVISION, "hello-00001");
    assertThat(r.status.condition(Revision.RevisionStatus.RESOURCES_AVAILABLE).reason)
        .isEqualTo("ProgressDeadlineExceeded");
    assertThat(r.status.condition(Revision.RevisionStatus.RESOURCES_AVAILABLE).message)
        .isEqualTo(
            "No instance became ready within the progress deadline (2s) of scaling from zero");
    assertThat(net.failures.get(key)).startsWith("ProgressDeadlineExceeded");
    assertThat(ms).as("failed at the deadline, not at the request timeout").isLessThan(20_000);

    // the instance gets ready after all: the revision serves again
    runtime.setReady(key, 1, ContainerHealth.HEALTHY);
    awaitReady(Kind.REVISION, "hello-00001");
    await().atMost(WAIT).until(() -> !net.failures.containsKey(key));
  }
}
