package dev.coldbrew.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.controller.Networking.Split;
import dev.coldbrew.controller.RecordingNetworking.Delta;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-host deltas a Route change sends to the data plane. */
class RoutePublisherTest {
  private static final NamespacedName A = new NamespacedName("default", "a");
  private static final NamespacedName B_A = new NamespacedName("default", "b-a");
  private static final NamespacedName OTHER = new NamespacedName("default", "other");
  private static final List<Split> A1 =
      List.of(new Split(new NamespacedName("default", "a-1"), 100));
  private static final List<Split> A2 =
      List.of(new Split(new NamespacedName("default", "a-2"), 100));
  private static final List<Split> BA1 =
      List.of(new Split(new NamespacedName("default", "b-a-1"), 100));

  private final RecordingNetworking net = new RecordingNetworking();
  private final RoutePublisher publisher = new RoutePublisher(net);

  @Test
  void sendsOnlyTheHostsWhoseSplitChanged() {
    publisher.publish(A, Map.of("a.default.localhost", A1, "one-a.default.localhost", A1));
    publisher.publish(A, Map.of("a.default.localhost", A1, "one-a.default.localhost", A1));
    publisher.publish(A, Map.of("a.default.localhost", A1, "two-a.default.localhost", A2));

    assertThat(net.deltas)
        .containsExactly(
            new Delta(Map.of("a.default.localhost", A1, "one-a.default.localhost", A1), Set.of()),
            new Delta(Map.of("two-a.default.localhost", A2), Set.of("one-a.default.localhost")));
    assertThat(publisher.isPublished(A)).isTrue();
  }

  @Test
  void removingARouteRemovesExactlyItsHosts() {
    publisher.publish(A, Map.of("a.default.localhost", A1, "one-a.default.localhost", A1));
    publisher.publish(OTHER, Map.of("other.default.localhost", A2));
    net.deltas.clear();

    publisher.remove(A);
    publisher.remove(A);

    assertThat(net.deltas)
        .containsExactly(
            new Delta(Map.of(), Set.of("a.default.localhost", "one-a.default.localhost")));
    assertThat(net.hosts).containsOnlyKeys("other.default.localhost");
    assertThat(publisher.isPublished(A)).isFalse();
  }

  @Test
  void aHostClaimedByTwoRoutesIsNeverRemovedWhileOneStillClaimsIt() {
    String shared = "b-a.default.localhost";
    publisher.publish(A, Map.of("a.default.localhost", A1, shared, A1)); // route a, tag b
    publisher.publish(B_A, Map.of(shared, BA1)); // route b-a
    assertThat(net.hosts).containsEntry(shared, A1);

    // a drops its tag: b-a's entry takes over instead of the host going away
    publisher.publish(A, Map.of("a.default.localhost", A1));
    assertThat(net.hosts).containsEntry(shared, BA1);

    // a claims it again: b-a keeps serving it, and a's drop of it later changes nothing
    publisher.publish(A, Map.of("a.default.localhost", A1, shared, A2));
    publisher.remove(A);
    assertThat(net.hosts).containsOnlyKeys(shared).containsEntry(shared, BA1);

    publisher.remove(B_A);
    assertThat(net.hosts).isEmpty();
  }
}
