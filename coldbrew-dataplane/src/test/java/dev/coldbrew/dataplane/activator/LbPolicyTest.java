package dev.coldbrew.dataplane.activator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.runtime.Instance;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LbPolicyTest {
  private static InstanceTracker[] trackers(int... inFlight) {
    InstanceTracker[] out = new InstanceTracker[inFlight.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = new InstanceTracker(new Instance("i" + i, "127.0.0.1", 9000 + i));
      out[i].inFlight = inFlight[i];
    }
    return out;
  }

  @Test
  void firstAvailableTakesTheFirstInstanceWithAFreeSlot() {
    LbPolicy policy = LbPolicy.firstAvailable();
    InstanceTracker[] t = trackers(2, 1, 0);
    assertThat(policy.pick(t, 2)).isSameAs(t[1]);
    t[1].inFlight = 2;
    assertThat(policy.pick(t, 2)).isSameAs(t[2]);
    t[2].inFlight = 2;
    assertThat(policy.pick(t, 2)).isNull();
  }

  @Test
  void roundRobinStartsAfterTheLastPickAndSkipsFullInstances() {
    LbPolicy policy = LbPolicy.roundRobin();
    InstanceTracker[] t = trackers(0, 0, 0);
    assertThat(policy.pick(t, 4)).isSameAs(t[0]);
    assertThat(policy.pick(t, 4)).isSameAs(t[1]);
    t[2].inFlight = 4;
    assertThat(policy.pick(t, 4)).isSameAs(t[0]);
    assertThat(policy.pick(t, 4)).isSameAs(t[1]);
    t[0].inFlight = 4;
    t[1].inFlight = 4;
    assertThat(policy.pick(t, 4)).isNull();
  }

  @Test
  void randomChoiceOfTwoPrefersTheLessLoadedOfTwoDistinctInstances() {
    LbPolicy policy = LbPolicy.randomChoiceOfTwo(new Random(42));
    InstanceTracker[] two = trackers(5, 1);
    for (int i = 0; i < 100; i++) {
      assertThat(policy.pick(two, 0)).isSameAs(two[1]);
    }
    InstanceTracker[] three = trackers(9, 9, 0);
    int least = 0;
    for (int i = 0; i < 300; i++) {
      if (policy.pick(three, 0) == three[2]) {
        least++;
      }
    }
    // the idle instance wins whenever it is one of the two drawn: 2/3 of the time
    assertThat(least).isBetween(150, 250);
    assertThat(policy.pick(trackers(), 0)).isNull();
    InstanceTracker[] one = trackers(7);
    assertThat(policy.pick(one, 0)).isSameAs(one[0]);
  }

  @Test
  void policyFollowsContainerConcurrency() {
    InstanceTracker[] t = trackers(1, 0);
    // first-available for 1..3: the first instance with a free slot, deterministically
    assertThat(LbPolicy.forConcurrency(3, new Random()).pick(t, 3)).isSameAs(t[0]);
    // round robin above 3
    LbPolicy rr = LbPolicy.forConcurrency(10, new Random());
    assertThat(rr.pick(t, 10)).isSameAs(t[0]);
    assertThat(rr.pick(t, 10)).isSameAs(t[1]);
  }
}
