package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Snapshots reach inline listeners before publish returns, the others later, in order. */
class SnapshotPublisherTest {
  private static final NamespacedName REV = new NamespacedName("default", "hello-00001");

  @Test
  void anInlineListenerIsToldOnThePublishingThreadBeforeTheQueuedOnes() throws Exception {
    SnapshotPublisher publisher = new SnapshotPublisher();
    List<String> told = new CopyOnWriteArrayList<>();
    CountDownLatch queuedMayRun = new CountDownLatch(1);
    CountDownLatch queuedDone = new CountDownLatch(2);
    publisher.subscribe(
        s -> {
          await(queuedMayRun);
          told.add(
              "queued on "
                  + (Thread.currentThread().getName().startsWith("coldbrew-runtime-notify")
                      ? "notifier"
                      : "other"));
          queuedDone.countDown();
        });
    publisher.subscribeInline(
        s -> {
          told.add("inline on " + Thread.currentThread().getName());
          throw new IllegalStateException("a failing inline listener stops nothing");
        });
    RevisionInstances snap = RevisionInstances.none(REV);
    publisher.publish(snap);
    publisher.publish(snap);
    String me = Thread.currentThread().getName();
    assertThat(told).containsExactly("inline on " + me, "inline on " + me);
    queuedMayRun.countDown();
    assertThat(queuedDone.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(told.subList(2, 4)).containsExactly("queued on notifier", "queued on notifier");
    publisher.close();
  }

  private static void await(CountDownLatch l) {
    try {
      l.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
