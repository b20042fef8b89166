package dev.coldbrew.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link WorkQueue}: de-duplication, re-queue after processing, and coalesced delayed adds. */
class WorkQueueTest {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final WorkQueue<String> queue =
      new WorkQueue<>(timer, Duration.ofMillis(5), Duration.ofSeconds(1));

  @AfterEach
  void stop() {
    queue.shutdown();
    timer.shutdownNow();
  }

  /** Every key taken within {@code ms}, each marked done at once. */
  private List<String> takeFor(long ms) throws InterruptedException {
    List<String> taken = new ArrayList<>();
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    while (System.nanoTime() < end) {
      if (queue.length() > 0) {
        String k = queue.take();
        taken.add(k);
        queue.done(k);
      } else {
        Thread.sleep(5);
      }
    }
    return taken;
  }

  @Test
  void aKeyAddedTwiceBeforeItIsTakenIsProcessedOnce() throws Exception {
    queue.add("a");
    queue.add("a");
    queue.add("b");
    assertThat(queue.length()).isEqualTo(2);
    assertThat(takeFor(50)).containsExactly("a", "b");
  }

  @Test
  void aKeyAddedWhileBeingProcessedComesBackAfterDone() throws Exception {
    queue.add("a");
    String k = queue.take();
    queue.add("a");
    assertThat(queue.length()).as("not handed to a second worker meanwhile").isZero();
    queue.done(k);
    assertThat(queue.length()).isEqualTo(1);
  }

  @Test
  void delayedAddsOfOneKeyCoalesceIntoTheEarliest() throws Exception {
    queue.addAfter("a", Duration.ofMillis(200));
    queue.addAfter("a", Duration.ofMillis(300)); // later than the one waiting: dropped
    queue.addAfter("a", Duration.ofMillis(250));
    queue.addAfter("b", Duration.ofMillis(200)); // another key has its own
    assertThat(queue.length()).as("nothing before the delay").isZero();
    // generous: the three adds of "a" would have come by 300 ms + the timer's lateness
    assertThat(takeFor(2_000)).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void anEarlierDelayedAddReplacesALaterOneWaiting() throws Exception {
    queue.addAfter("a", Duration.ofMillis(300));
    queue.addAfter("a", Duration.ofMillis(50));
    List<String> first = takeFor(250);
    assertThat(first).as("the earlier add ran before the later one was due").containsExactly("a");
    // generous: the replaced add would have come at 300 ms + the timer's lateness
    assertThat(takeFor(1_500)).as("the replaced add does not run the key again").isEmpty();
  }

  @Test
  void aDelayedAddAfterTheLastOneRanIsScheduledAgain() throws Exception {
    queue.addAfter("a", Duration.ofMillis(20));
    assertThat(takeFor(500)).containsExactly("a");
    queue.addAfter("a", Duration.ofMillis(20));
    assertThat(takeFor(500)).containsExactly("a");
  }
}
