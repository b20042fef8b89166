package dev.coldbrew.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.store.FaultyStore;
import dev.coldbrew.store.InMemoryStore;
import dev.coldbrew.store.ResourceCache;
import dev.coldbrew.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * Knative-style table tests for one reconciler, run synchronously on the test thread.
 *
 * <p>Each {@link Row} starts from a fresh {@link InMemoryStore} (the same write rules as SQLite)
 * wrapped in a {@link FaultyStore}, a {@link FakeRuntime}, a {@link RecordingNetworking} and a
 * {@link TestClock}. Its {@code given} step seeds objects (writes that are not recorded), sets the
 * runtime's instances and tells the store which writes to fail. Then the cache lists the store and
 * the reconciler runs {@code reconcile(key)} <b>once</b>, on the test thread. The row asserts the
 * store writes made, in order ({@code create Configuration default/hello}, {@code updateStatus
 * Service default/hello -> CONFLICT}), the error, the data-plane and runtime calls, and whatever
 * its {@code then} step checks on the stored objects.
 *
 * <p>Every row then reconciles again with no faults left: a row that failed must succeed on that
 * retry (with the writes the row expects of it, when given), and the reconcile after a success must
 * write nothing — reconciles are idempotent, and a partial write before a failure is picked up, not
 * repeated. Between reconciles the harness waits until the cache has seen every write (a bounded
 * wait on the cache's watch, never a sleep).
 */
final class TableTest implements AutoCloseable {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration CACHE_WAIT = Duration.ofSeconds(30);

  final TestClock clock = new TestClock(T0);
  final InMemoryStore memory = new InMemoryStore(clock, 10_000);
  final FaultyStore store = new FaultyStore(memory);
  final FakeRuntime runtime = new FakeRuntime();
  final RecordingNetworking net = new RecordingNetworking();
  final ResourceCache cache = ResourceCache.of(store);
  final ControllerContext ctx;
  private boolean started;

  TableTest(ValidationContext config) {
    runtime.autoReady = false;
    ctx = new ControllerContext(store, cache, clock, config, "localhost", 8080);
  }

  TableTest() {
    this(ValidationContext.standard());
  }

  /**
   * Stores {@code r} as given, bypassing the recorded writes: created, then its status written when
   * it has one. Returns the stored object (with uid, resourceVersion, generation).
   */
  @SuppressWarnings("unchecked")
  <T extends Resource> T seed(T r) {
    Resource created = memory.create(r);
    if (r.status() != null) {
      Resource withStatus = ResourceCodec.copy(r);
      withStatus.metadata = created.metadata;
      created = memory.updateStatus(withStatus);
    }
    return (T) created;
  }

  /** The stored object, or null. */
  @SuppressWarnings("unchecked")
  <T extends Resource> T get(Kind kind, String name) {
    Optional<Resource> r = memory.get(kind, "default", name);
    return (T) r.orElse(null);
  }

  /** Starts the cache (a synchronous list) once, then waits until it has seen every write. */
  void sync() throws InterruptedException {
    if (!started) {
      started = true;
      cache.start();
    }
    long want = memory.list(Kind.ENDPOINTS, null).resourceVersion();
    if (!cache.awaitResourceVersion(want, CACHE_WAIT)) {
      throw new AssertionError(
          "the cache did not reach resourceVersion "
              + want
              + " in "
              + CACHE_WAIT
              + " (it is at "
              + cache.lastSyncResourceVersion()
              + ")");
    }
  }

  /** Forgets the writes, data-plane and runtime calls recorded so far. */
  void clearRecords() {
    store.clearCalls();
    net.calls.clear();
    runtime.scaleCalls.clear();
    runtime.removed.clear();
  }

  /**
   * The runtime calls recorded: {@code scale hello-00001=1} for each scale, then {@code remove}s.
   */
  List<String> runtimeCalls() {
    List<String> calls = new ArrayList<>();
    runtime.scaleCalls.forEach(c -> calls.add("scale " + c));
    runtime.removed.forEach(r -> calls.add("remove " + r));
    return calls;
  }

  @Override
  public void close() {
    cache.close();
    memory.close();
  }

  // ------------------------------------------------------------------ rows

  /** What one row of a table starts from and expects. Build with {@link #row}. */
  static final class Row {
    final String name;
    private Consumer<TableTest> given = t -> {};
    private String key;
    private List<String> writes = List.of();
    private StoreException.Reason error;
    private List<String> networking;
    private List<String> runtime;
    private List<String> retryWrites;
    private Consumer<TableTest> then = t -> {};
    private Duration requeue;
    private boolean requeueChecked;

    private Row(String name) {
      this.name = name;
    }

    /** Seeds objects, sets runtime state and induced failures. */
    Row given(Consumer<TableTest> given) {
      this.given = given;
      return this;
    }

    /** The name (in namespace {@code default}) to reconcile. */
    Row key(String name) {
      this.key = name;
      return this;
    }

    /** The store writes of the one reconcile, in order, as {@link FaultyStore#summary()}. */
    Row writes(String... writes) {
      this.writes = List.of(writes);
      return this;
    }

    /** The reconcile fails with a {@link StoreException} of this reason. */
    Row fails(StoreException.Reason reason) {
      this.error = reason;
      return this;
    }

    /** The data-plane calls, in order (unchecked when not given). */
    Row networking(String... calls) {
      this.networking = List.of(calls);
      return this;
    }

    /** The runtime calls, as {@link TableTest#runtimeCalls} (unchecked when not given). */
    Row runtime(String... calls) {
      this.runtime = List.of(calls);
      return this;
    }

    /** The store writes of the retry after a failure (unchecked when not given). */
    Row retryWrites(String... writes) {
      this.retryWrites = List.of(writes);
      return this;
    }

    /** The requeue delay the reconcile returns (null: none). */
    Row requeue(Duration requeue) {
      this.requeue = requeue;
      this.requeueChecked = true;
      return this;
    }

    /** Checks on the stored objects after the reconcile (the cache has caught up). */
    Row then(Consumer<TableTest> then) {
      this.then = then;
      return this;
    }
  }

  static Row row(String name) {
    return new Row(name);
  }

  /** The rows as JUnit dynamic tests, each against a fresh harness and a new reconciler. */
  static Stream<DynamicTest> table(Function<TableTest, Reconciler> reconciler, Row... rows) {
    return Arrays.stream(rows)
        .map(
            r ->
                DynamicTest.dynamicTest(
                    r.name,
                    () -> {
                      try {
                        run(reconciler, r);
                      } catch (AssertionError e) {
                        throw new AssertionError("row \"" + r.name + "\": " + e.getMessage(), e);
                      }
                    }));
  }

  private static void run(Function<TableTest, Reconciler> factory, Row row) throws Exception {
    try (TableTest t = new TableTest()) {
      row.given.accept(t);
      t.sync();
      Reconciler reconciler = factory.apply(t);
      t.clearRecords();
      NamespacedName key = new NamespacedName("default", row.key);

      Duration[] requeue = new Duration[1];
      Throwable thrown = catchThrowable(() -> requeue[0] = reconciler.reconcile(key));
      List<String> writes = t.store.summary();
      List<String> netCalls = new ArrayList<>(t.net.calls);
      List<String> runtimeCalls = t.runtimeCalls();
      if (row.error == null) {
        assertThat(thrown).as("reconcile error").isNull();
      } else {
        assertThat(thrown)
            .as("reconcile error")
            .isInstanceOfSatisfying(
                StoreException.class, e -> assertThat(e.reason()).isEqualTo(row.error));
      }
      assertThat(writes).as("store writes").containsExactlyElementsOf(row.writes);
      if (row.networking != null) {
        assertThat(netCalls).as("data-plane calls").containsExactlyElementsOf(row.networking);
      }
      if (row.runtime != null) {
        assertThat(runtimeCalls).as("runtime calls").containsExactlyElementsOf(row.runtime);
      }
      if (row.requeueChecked) {
        assertThat(requeue[0]).as("requeue").isEqualTo(row.requeue);
      }
      t.sync();
      row.then.accept(t);

      assertThat(t.store.pendingFaults()).as("induced failures left unused").isZero();
      if (thrown != null) {
        t.clearRecords();
        reconciler.reconcile(key);
        if (row.retryWrites != null) {
          assertThat(t.store.summary())
              .as("store writes of the retry")
              .containsExactlyElementsOf(row.retryWrites);
        }
        t.sync();
      }
      t.clearRecords();
      reconciler.reconcile(key);
      assertThat(t.store.summary()).as("store writes of a second reconcile").isEmpty();
    }
  }
}
