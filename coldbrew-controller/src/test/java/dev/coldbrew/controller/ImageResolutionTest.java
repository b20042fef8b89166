package dev.coldbrew.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.runtime.Engine;
import dev.coldbrew.api.runtime.ImageResolutionException;
import dev.coldbrew.api.runtime.InstanceListener;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.api.runtime.RevisionInstances;
import dev.coldbrew.api.validation.Defaults;
import dev.coldbrew.api.validation.Validation;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A revision that runs an image: its digest is resolved before anything scales it, recorded in its
 * status, and a failure shows on the revision and its requests. Real SQLite store, a runtime whose
 * image resolutions the test completes.
 */
class ImageResolutionTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String DIGEST =
      "localhost/hello@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private final ValidationContext ctx = ValidationContext.standard();

  @TempDir Path dir;
  SqliteStore store;
  ImageRuntime runtime;
  RecordingNetworking net;
  ControllerManager manager;

  @BeforeEach
  void start() throws Exception {
    store = SqliteStore.open(dir);
    runtime = new ImageRuntime();
    net = new RecordingNetworking();
    manager = new ControllerManager(store, runtime, net, ctx, "localhost", 8080, Clock.systemUTC());
    manager.start();
  }

  @AfterEach
  void stop() {
    manager.close();
    store.close();
  }

  private void apply(String yaml) {
    Resource r = Defaults.apply(ResourceCodec.decodeOne(yaml), ctx.defaults());
    Validation.validate(r, ctx);
    store.create(r);
  }

  private static final String IMAGE_SERVICE =
      """
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata:
        name: hello
      spec:
        template:
          spec:
            containers:
              - image: localhost/hello:1
      """;

  private Revision revision() {
    return (Revision) store.get(Kind.REVISION, "default", "hello-00001").orElse(null);
  }

  private static String condition(Revision r, String type) {
    Condition c = r == null || r.status == null ? null : r.status.condition(type);
    return c == null ? null : c.status + "/" + c.reason + "/" + c.message;
  }

  @Test
  void theDigestIsResolvedBeforeAnythingScalesAndRecordedInTheStatus() {
    apply(IMAGE_SERVICE);
    NamespacedName key = new NamespacedName("default", "hello-00001");
    await().atMost(WAIT).until(() -> runtime.pending.containsKey(key));
    await()
        .atMost(WAIT)
        .until(() -> "Unknown/ResolvingDigests/null".equals(condition(revision(), "Ready")));
    assertThat(store.get(Kind.POD_AUTOSCALER, "default", "hello-00001")).isEmpty();
    assertThat(runtime.scaled).isEmpty();
    assertThat(revision().status.annotations).containsEntry(Engine.ANNOTATION, "container");

    runtime.pending.get(key).complete(DIGEST);
    await().atMost(WAIT).until(() -> runtime.scaled.containsKey(key));
    Revision scaled = runtime.scaled.get(key);
    assertThat(scaled.status.imageDigest()).isEqualTo(DIGEST);
    assertThat(scaled.status.containerStatuses.get(0).name).isEqualTo("user-container");
    await().atMost(WAIT).until(() -> "True/null/null".equals(condition(revision(), "Ready")));
    assertThat(revision().status.imageDigest()).isEqualTo(DIGEST);
    assertThat(runtime.resolutions).containsEntry(key, 1);
  }

  @Test
  void aFailedResolutionFailsTheRevisionWithTheEnginesMessageAndIsRetried() {
    apply(IMAGE_SERVICE);
    NamespacedName key = new NamespacedName("default", "hello-00001");
    await().atMost(WAIT).until(() -> runtime.pending.containsKey(key));
    runtime
        .pending
        .get(key)
        .completeExceptionally(
            new ImageResolutionException(
                "ContainerMissing", "image localhost/hello:1 is not on this machine"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                "False/ContainerMissing/image localhost/hello:1 is not on this machine"
                    .equals(condition(revision(), "Ready")));
    assertThat(net.failures.get(key))
        .isEqualTo("ContainerMissing: image localhost/hello:1 is not on this machine");
    assertThat(runtime.scaled).isEmpty();
    assertThat(store.get(Kind.POD_AUTOSCALER, "default", "hello-00001")).isEmpty();

    // tried again after the backoff; the image was built meanwhile
    await()
        .atMost(RevisionReconciler.RESOLVE_RETRY_MIN.plus(WAIT))
        .until(() -> runtime.resolutions.getOrDefault(key, 0) == 2);
    assertThat(condition(revision(), "ContainerHealthy")).startsWith("False/ContainerMissing");
    runtime.pending.get(key).complete(DIGEST);
    await().atMost(WAIT).until(() -> "True/null/null".equals(condition(revision(), "Ready")));
    assertThat(net.failures).doesNotContainKey(key);
  }

  @Test
  void processRevisionsNeedNoImage() {
    apply(IMAGE_SERVICE.replace("- image: localhost/hello:1", "- command: [./server]"));
    NamespacedName key = new NamespacedName("default", "hello-00001");
    await().atMost(WAIT).until(() -> runtime.scaled.containsKey(key));
    assertThat(runtime.resolutions).isEmpty();
    await()
        .atMost(WAIT)
        .until(
            () ->
                revision() != null
                    && revision().status != null
                    && revision().status.annotations != null
                    && "process".equals(revision().status.annotations.get(Engine.ANNOTATION)));
    assertThat(revision().status.containerStatuses).isNull();
  }

  /**
   * Runs images of image-only revisions: resolutions wait for the test; every scaled revision is at
   * once that many ready instances.
   */
  static final class ImageRuntime implements InstanceRuntime {
    final Map<NamespacedName, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    final Map<NamespacedName, Integer> resolutions = new ConcurrentHashMap<>();
    final Map<NamespacedName, Revision> scaled = new ConcurrentHashMap<>();
    private final FakeRuntime instances = new FakeRuntime();
    private final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();

    @Override
    public Engine engine(Revision revision) {
      return Engine.of(revision, null);
    }

    @Override
    public CompletableFuture<String> resolveImage(Revision revision) {
      NamespacedName key = NamespacedName.of(revision);
      resolutions.merge(key, 1, Integer::sum);
      CompletableFuture<String> f = new CompletableFuture<>();
      pending.put(key, f);
      return f;
    }

    @Override
    public void scale(Revision revision, int count) {
      scaled.put(NamespacedName.of(revision), revision);
      instances.scale(revision, count);
    }

    @Override
    public void remove(NamespacedName revision) {
      instances.remove(revision);
    }

    @Override
    public RevisionInstances instances(NamespacedName revision) {
      return instances.instances(revision);
    }

    @Override
    public void subscribe(InstanceListener listener) {
      listeners.add(listener);
      instances.subscribe(listener);
    }

    @Override
    public void close() {}
  }
}
