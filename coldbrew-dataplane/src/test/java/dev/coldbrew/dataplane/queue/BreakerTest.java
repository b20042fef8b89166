package dev.coldbrew.dataplane.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BreakerTest {
  private final List<String> granted = new ArrayList<>();

  private Breaker.Waiter waiter(String name) {
    return () -> granted.add(name);
  }

  @Test
  void admitsUpToConcurrencyThenQueuesThenRejectsBeyondElevenTimesCc() {
    Breaker breaker = new Breaker(2, 20);
    for (int i = 0; i < 2; i++) {
      assertThat(breaker.acquire(waiter("run" + i))).isEqualTo(Breaker.Result.ACQUIRED);
    }
    for (int i = 0; i < 20; i++) {
      assertThat(breaker.acquire(waiter("wait" + i))).isEqualTo(Breaker.Result.QUEUED);
    }
    assertThat(breaker.acquire(waiter("over"))).isEqualTo(Breaker.Result.REJECTED);
    assertThat(breaker.inFlight()).isEqualTo(2);
    assertThat(breaker.waiting()).isEqualTo(20);
    assertThat(granted).containsExactly("run0", "run1");
  }

  @Test
  void releaseWakesOldestWaiterAndKeepsSlotTaken() {
    Breaker breaker = new Breaker(1, 10);
    breaker.acquire(waiter("a"));
    breaker.acquire(waiter("b"));
    breaker.acquire(waiter("c"));
    breaker.release();
    assertThat(granted).containsExactly("a", "b");
    assertThat(breaker.inFlight()).isEqualTo(1);
    breaker.release();
    breaker.release();
    assertThat(granted).containsExactly("a", "b", "c");
    assertThat(breaker.inFlight()).isZero();
    assertThat(breaker.tryAcquire()).isTrue();
    assertThat(breaker.tryAcquire()).isFalse();
  }

  @Test
  void cancelledWaiterIsNeverGranted() {
    Breaker breaker = new Breaker(1, 10);
    breaker.acquire(waiter("a"));
    Breaker.Waiter b = waiter("b");
    breaker.acquire(b);
    assertThat(breaker.cancel(b)).isTrue();
    assertThat(breaker.cancel(b)).isFalse();
    breaker.release();
    assertThat(granted).containsExactly("a");
    assertThat(breaker.inFlight()).isZero();
  }

  @Test
  void rejectsInvalidSizes() {
    assertThatThrownBy(() -> new Breaker(0, 0)).hasMessage("maxConcurrency: 0 (expected: >= 1)");
  }
}
