package dev.coldbrew.controller;

import static dev.coldbrew.controller.PodAutoscalerFixture.load;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The multiscaler's threads on a real autoscaler thread: a report from an event loop only records,
 * and a poke's tick, the observer and the decision listener run on the autoscaler thread; a report
 * is recorded while a reconcile worker waits in {@code runtime.scale}.
 */
class MultiscalerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final ScheduledExecutorService autoscalerThread =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, Multiscaler.THREAD));
  private final PodAutoscalerFixture f =
      new PodAutoscalerFixture(autoscalerThread, Clock.systemUTC());

  @AfterEach
  void close() throws InterruptedException {
    f.runtime.scaleGate = null;
    f.close();
    autoscalerThread.shutdownNow();
    assertThat(autoscalerThread.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  /** Runs {@code task} on a new thread with this name and waits for it. */
  private static boolean runOn(String name, Runnable task) throws InterruptedException {
    Thread t = new Thread(task, name);
    t.start();
    t.join(WAIT.toMillis());
    return !t.isAlive();
  }

  @Test
  void aPokeFromAnEventLoopTicksOnTheAutoscalerThread() throws Exception {
    // a revision at zero (as after a restart), nothing ready: the first load is a poke
    f.given(Map.of(), 0, true);
    f.runtime.autoReady = false;
    f.reconcile();
    f.settle();
    assertThat(f.runtime.instances(PodAutoscalerFixture.REV).ready()).isEmpty();
    CountDownLatch release = new CountDownLatch(1);
    f.holdListener = release; // the tick stays in the listener until the test lets it go

    boolean returned = runOn("vert.x-eventloop-thread-0", () -> f.multiscaler.accept(load(1)));

    assertThat(returned).as("accept returned while the tick is held in the listener").isTrue();
    await().atMost(WAIT).until(() -> !f.notified.isEmpty());
    release.countDown();
    assertThat(f.notified).containsExactly(Multiscaler.THREAD + " 1 applied");
    assertThat(f.observed).isNotEmpty().allMatch(o -> o.startsWith(Multiscaler.THREAD + " "));
  }

  @Test
  void aPokeAtZeroAsksTheRuntimeForAnInstanceBeforeAnyReconcileOrStoreWrite() throws Exception {
    // a revision at zero (as after a restart): its first reconcile asked the runtime for 0
    f.given(Map.of(), 0, true);
    f.runtime.autoReady = false;
    f.reconcile();
    f.settle();
    CountDownLatch release = new CountDownLatch(1);
    f.holdListener = release; // no reconcile can be queued until the test lets the listener go

    boolean returned = runOn("vert.x-eventloop-thread-0", () -> f.multiscaler.accept(load(1)));

    assertThat(returned).isTrue();
    await().atMost(WAIT).until(() -> !f.notified.isEmpty());
    // the listener (which would queue the reconcile) is held: the instance was asked for already,
    // on the autoscaler thread, and nothing was written to the store
    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=1");
    assertThat(f.runtime.scaleThreads)
        .extracting(Thread::getName)
        .containsExactly(Multiscaler.THREAD);
    assertThat(f.store.calls()).isEmpty();
    assertThat(f.notified)
        .as("the listener is told the count was applied, so the reconcile may wait")
        .containsExactly(Multiscaler.THREAD + " 1 applied");
    release.countDown();

    // the reconcile that follows writes the status and asks for the same count
    f.reconcile();
    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=1", "hello-00001=1");
    assertThat(f.pa().status.desiredScale).isEqualTo(1);
  }

  @Test
  void theDirectScaleFromZeroKeepsThePodAutoscalerBounds() throws Exception {
    // the decider wants 50 instances (concurrency 50, target 1); max-scale says 1: the direct path
    // asks for what the PodAutoscaler logic applies, not for the decider's raw count
    f.given(Map.of("max-scale", "1", "target", "1"), 0, true);
    f.runtime.autoReady = false;
    f.reconcile();
    f.settle();
    for (int i = 0; i < 3; i++) {
      f.multiscaler.accept(load(50));
    }
    await().atMost(WAIT).until(() -> !f.runtime.scaleCalls.isEmpty());
    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=1");
  }

  @Test
  void aReportIsRecordedAndPokesWhileAReconcileWaitsInRuntimeScale() throws Exception {
    f.given(Map.of(), 0, false);
    f.runtime.autoReady = false;
    f.runtime.scaleGate = new CountDownLatch(1);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread worker =
        new Thread(
            () -> {
              try {
                f.reconcile();
              } catch (Throwable e) {
                failed.set(e);
              }
            },
            "reconcile-podautoscalers-0");
    worker.start();
    assertThat(f.runtime.scaleEntered.await(30, TimeUnit.SECONDS)).isTrue();

    // the first reconcile is inside runtime.scale (start scale 1, nothing ready yet)
    boolean returned = runOn("vert.x-eventloop-thread-0", () -> f.multiscaler.accept(load(1)));

    assertThat(returned).as("the report did not wait for runtime.scale").isTrue();
    await().atMost(WAIT).until(() -> !f.notified.isEmpty());
    assertThat(f.notified).containsExactly(Multiscaler.THREAD + " 1");
    assertThat(worker.isAlive()).as("the reconcile is still in runtime.scale").isTrue();
    assertThat(f.runtime.scaleThreads)
        .extracting(Thread::getName)
        .containsExactly("reconcile-podautoscalers-0");

    f.runtime.scaleGate.countDown();
    worker.join(WAIT.toMillis());
    assertThat(worker.isAlive()).isFalse();
    assertThat(failed.get()).isNull();
    // the start scale, then the poke's decision (1), which the same reconcile picked up
    assertThat(f.runtime.scaleCalls).containsExactly("hello-00001=1", "hello-00001=1");
    assertThat(f.runtime.scaleThreads)
        .extracting(Thread::getName)
        .containsOnly("reconcile-podautoscalers-0");
  }
}
