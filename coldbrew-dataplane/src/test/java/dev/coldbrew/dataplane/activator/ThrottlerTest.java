package dev.coldbrew.dataplane.activator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.runtime.Instance;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ThrottlerTest {
  private static final Instance A = new Instance("a", "127.0.0.1", 9001);
  private static final Instance B = new Instance("b", "127.0.0.1", 9002);

  private final List<InstanceTracker> grants = new ArrayList<>();

  private Throttler.Waiter waiter() {
    return grants::add;
  }

  @Test
  void holdsRequestsWhileThereIsNoInstanceAndReleasesThemOnUpdate() {
    Throttler throttler = new Throttler(1, 100, new Random(1));
    assertThat(throttler.capacity()).isZero();
    assertThat(throttler.acquire(waiter())).isEqualTo(Throttler.Result.QUEUED);
    assertThat(throttler.acquire(waiter())).isEqualTo(Throttler.Result.QUEUED);
    assertThat(grants).isEmpty();

    throttler.updateInstances(List.of(A));

    assertThat(grants).extracting(t -> t.instance().id()).containsExactly("a");
    assertThat(throttler.held()).isEqualTo(1);
    throttler.release(grants.get(0));
    assertThat(grants).extracting(t -> t.instance().id()).containsExactly("a", "a");
    assertThat(throttler.held()).isZero();
  }

  @Test
  void capacityIsConcurrencyTimesReadyInstances() {
    Throttler throttler = new Throttler(3, 100, new Random(1));
    throttler.updateInstances(List.of(A, B));
    assertThat(throttler.capacity()).isEqualTo(6);
    for (int i = 0; i < 7; i++) {
      throttler.acquire(waiter());
    }
    assertThat(grants).hasSize(6);
    assertThat(throttler.held()).isEqualTo(1);
    assertThat(grants.stream().filter(t -> t.instance() == A)).hasSize(3);
  }

  @Test
  void zeroConcurrencyIsAGateThatOpensWithTheFirstInstance() {
    Throttler throttler = new Throttler(0, 100, new Random(1));
    for (int i = 0; i < 50; i++) {
      throttler.acquire(waiter());
    }
    assertThat(grants).isEmpty();
    throttler.updateInstances(List.of(A));
    assertThat(grants).hasSize(50);
    assertThat(throttler.capacity()).isEqualTo(Integer.MAX_VALUE);
    throttler.updateInstances(List.of());
    assertThat(throttler.capacity()).isZero();
    assertThat(throttler.acquire(waiter())).isEqualTo(Throttler.Result.QUEUED);
  }

  @Test
  void aRetryTakesAnotherInstanceThanTheOneItFailedOnWhenOneIsFree() {
    for (int cc : new int[] {0, 1, 10}) {
      for (int seed = 0; seed < 20; seed++) {
        grants.clear();
        Throttler throttler = new Throttler(cc, 100, new Random(seed));
        throttler.updateInstances(List.of(A, B));
        throttler.acquire(waiter());
        InstanceTracker failed = grants.get(0);
        throttler.release(failed);
        assertThat(throttler.acquire(waiter(), failed)).isEqualTo(Throttler.Result.ACQUIRED);
        assertThat(grants.get(1)).as("cc %d, seed %d", cc, seed).isNotSameAs(failed);
      }
    }
  }

  @Test
  void aRetryWaitsLikeAnyRequestWhenOnlyTheFailedInstanceIsThere() {
    Throttler throttler = new Throttler(1, 100, new Random(1));
    throttler.updateInstances(List.of(A));
    throttler.acquire(waiter());
    InstanceTracker failed = grants.get(0);
    throttler.release(failed);
    assertThat(throttler.acquire(waiter(), failed)).isEqualTo(Throttler.Result.ACQUIRED);
    assertThat(grants.get(1)).isSameAs(failed); // the only instance: it gets its second chance

    // B busy (cc 1): the retry is held, and granted the first slot that frees, whichever it is
    Throttler busy = new Throttler(1, 100, new Random(1));
    busy.updateInstances(List.of(A, B));
    grants.clear();
    busy.acquire(waiter());
    busy.acquire(waiter());
    InstanceTracker onA = grants.get(0).instance() == A ? grants.get(0) : grants.get(1);
    busy.release(onA);
    InstanceTracker onB = grants.get(0) == onA ? grants.get(1) : grants.get(0);
    busy.acquire(waiter()); // takes A's freed slot
    assertThat(busy.acquire(waiter(), onA)).isEqualTo(Throttler.Result.QUEUED);
    busy.release(onB);
    assertThat(grants.get(grants.size() - 1)).isSameAs(onB);
  }

  @Test
  void rejectsBeyondTheHeldBound() {
    Throttler throttler = new Throttler(1, 2, new Random(1));
    assertThat(throttler.acquire(waiter())).isEqualTo(Throttler.Result.QUEUED);
    assertThat(throttler.acquire(waiter())).isEqualTo(Throttler.Result.QUEUED);
    assertThat(throttler.acquire(waiter())).isEqualTo(Throttler.Result.REJECTED);
  }

  @Test
  void timedOutRequestIsCancelledAndNeverGranted() {
    Throttler throttler = new Throttler(1, 10, new Random(1));
    Throttler.Waiter w = waiter();
    throttler.acquire(w);
    assertThat(throttler.cancel(w)).isTrue();
    throttler.updateInstances(List.of(A));
    assertThat(grants).isEmpty();
    assertThat(throttler.inFlight()).isZero();
  }

  @Test
  void instancesThatStayKeepTheirInFlightCount() {
    Throttler throttler = new Throttler(1, 10, new Random(1));
    throttler.updateInstances(List.of(A));
    throttler.acquire(waiter());
    throttler.updateInstances(List.of(A, B));
    throttler.acquire(waiter());
    assertThat(grants).extracting(t -> t.instance().id()).containsExactly("a", "b");
    throttler.acquire(waiter());
    assertThat(throttler.held()).isEqualTo(1);
  }
}
