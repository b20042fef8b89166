package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.model.NamespacedName;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingTableTest {
  private static final NamespacedName V1 = new NamespacedName("default", "hello-00001");
  private static final NamespacedName V2 = new NamespacedName("default", "hello-00002");

  @Test
  void splitsByPercentWithinABinomialBound() {
    RoutingTable table =
        RoutingTable.of(
            Map.of(
                "Hello.Default.localhost",
                List.of(new RoutingTable.Target(V1, 30), new RoutingTable.Target(V2, 70))));
    RoutingTable.HostRoute route = table.route("hello.default.localhost", false);
    int v1 = 0;
    for (int i = 0; i < 1000; i++) {
      if (route.pick() == V1) {
        v1++;
      }
    }
    // mean 300, sd = sqrt(1000 * 0.3 * 0.7) ≈ 14.5; ±5 sd
    assertThat(v1).isBetween(228, 372);
  }

  @Test
  void rollsMapExactlyOntoPercents() {
    RoutingTable.HostRoute route =
        RoutingTable.HostRoute.of(
            "h", List.of(new RoutingTable.Target(V1, 30), new RoutingTable.Target(V2, 70)));
    int v1 = 0;
    for (int roll = 0; roll < 100; roll++) {
      if (route.pick(roll) == V1) {
        v1++;
      }
    }
    assertThat(v1).isEqualTo(30);
  }

  @Test
  void rejectsSplitsThatDoNotSumTo100() {
    assertThatThrownBy(() -> RoutingTable.of(Map.of("h", List.of(new RoutingTable.Target(V1, 90)))))
        .hasMessage("routes[h]: percents sum to 90 (expected: 100)");
    assertThatThrownBy(
            () -> RoutingTable.of(Map.of("h", List.of(new RoutingTable.Target(V1, 120)))))
        .hasMessage("routes[h][0].percent: 120 (expected: 0..100)");
  }

  @Test
  void appliesSetAndRemovedPerHostInLowerCase() {
    RoutingTable table =
        RoutingTable.of(
            Map.of(
                "a.default.localhost",
                List.of(new RoutingTable.Target(V1, 100)),
                "b.default.localhost",
                List.of(new RoutingTable.Target(V1, 100))));

    table.apply(
        Map.of(
            "A.Default.localhost",
            List.of(new RoutingTable.Target(V2, 100)),
            "c.default.localhost",
            List.of(new RoutingTable.Target(V1, 100))),
        List.of("B.default.localhost"));

    assertThat(table.hosts())
        .containsExactlyInAnyOrder("a.default.localhost", "c.default.localhost");
    assertThat(table.route("a.default.localhost", false).pick()).isEqualTo(V2);
    assertThat(table.route("c.default.localhost", false).pick()).isEqualTo(V1);
  }

  @Test
  void aBadEntryLeavesTheTableUnchanged() {
    RoutingTable table =
        RoutingTable.of(Map.of("a.default.localhost", List.of(new RoutingTable.Target(V1, 100))));

    assertThatThrownBy(
            () ->
                table.apply(
                    Map.of(
                        "b.default.localhost",
                        List.of(new RoutingTable.Target(V1, 100)),
                        "h",
                        List.of(new RoutingTable.Target(V1, 60), new RoutingTable.Target(V2, 50))),
                    List.of("a.default.localhost")))
        .hasMessage("routes[h]: percents sum to 110 (expected: 100)");

    assertThat(table.hosts()).containsExactly("a.default.localhost");
    assertThat(table.route("a.default.localhost", false).pick()).isEqualTo(V1);
  }

  @Test
  void unknownHostHasNoRoute() {
    assertThat(RoutingTable.of(Map.of()).route("x", false)).isNull();
  }

  @Test
  void clusterHostsAreAnsweredOnlyToClientsOnThisMachine() {
    List<RoutingTable.Target> all = List.of(new RoutingTable.Target(V1, 100));
    RoutingTable table =
        RoutingTable.of(
            Map.of(
                "a.default.svc.cluster.local", all,
                "a.default.svc", all,
                "a.default", all,
                "a.default.localhost", all));
    for (String host : List.of("a.default.svc.cluster.local", "a.default.svc", "a.default")) {
      assertThat(table.route(host, true)).as(host + " from loopback").isNotNull();
      assertThat(table.route(host, false)).as(host + " from elsewhere").isNull();
    }
    assertThat(table.route("a.default.localhost", false)).as("the public host").isNotNull();
    assertThat(RoutingTable.clusterHost("svc.example.com")).isFalse();
    assertThat(RoutingTable.clusterHost("a.default.example.com")).isFalse();
    assertThat(RoutingTable.clusterHost("localhost")).isFalse();
    assertThat(RoutingTable.clusterHost(".default")).isFalse();
  }

  @Test
  void aMappedDomainServesItsTargetsSplitToEveryClientUntilRemoved() {
    List<RoutingTable.Target> split =
        List.of(new RoutingTable.Target(V1, 30), new RoutingTable.Target(V2, 70));
    RoutingTable table = RoutingTable.of(Map.of("a.default.localhost", split));
    table.applyDomains(Map.of("example.com", split, "WWW.example.com", split), List.of());

    assertThat(table.domains()).containsExactlyInAnyOrder("example.com", "www.example.com");
    for (String host : List.of("example.com", "www.example.com")) {
      for (boolean onThisMachine : new boolean[] {true, false}) {
        RoutingTable.HostRoute route = table.route(host, onThisMachine);
        assertThat(route).as(host + " from this machine: " + onThisMachine).isNotNull();
        assertThat(route.pick(29)).isEqualTo(V1);
        assertThat(route.pick(30)).isEqualTo(V2);
      }
    }
    assertThat(table.hosts()).containsExactly("a.default.localhost");

    table.applyDomains(Map.of(), List.of("example.com"));
    assertThat(table.route("example.com", true)).as("a removed domain is unknown").isNull();
    assertThat(table.route("www.example.com", false)).isNotNull();
  }

  @Test
  void aRoutesHostIsNotShadowedByAMappingOfTheSameName() {
    RoutingTable table =
        RoutingTable.of(Map.of("a.default", List.of(new RoutingTable.Target(V1, 100))));
    table.applyDomains(Map.of("a.default", List.of(new RoutingTable.Target(V2, 100))), List.of());

    assertThat(table.route("a.default", true).pick())
        .as("the route, to this machine")
        .isEqualTo(V1);
    assertThat(table.route("a.default", false).pick()).as("the mapping, to others").isEqualTo(V2);
  }
}
