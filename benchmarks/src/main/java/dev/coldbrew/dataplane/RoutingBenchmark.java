package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The gateway's per-request routing lookup: host → split → revision, in tables of 1 to 5000 hosts,
 * for a single-revision host and for a three-way split. Lives in the data plane's package to reach
 * the package-private lookup the gateway uses.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoutingBenchmark {
  @Param({"1", "5000"})
  int hosts;

  RoutingTable table;
  String single;
  String split;

  @Setup
  public void setUp() {
    Map<String, List<RoutingTable.Target>> routes = new HashMap<>();
    for (int i = 0; i < hosts; i++) {
      routes.put(
          "svc" + i + ".default.localhost",
          List.of(
              new RoutingTable.Target(new NamespacedName("default", "svc" + i + "-00001"), 100)));
    }
    routes.put(
        "split.default.localhost",
        List.of(
            new RoutingTable.Target(new NamespacedName("default", "split-00001"), 50),
            new RoutingTable.Target(new NamespacedName("default", "split-00002"), 30),
            new RoutingTable.Target(new NamespacedName("default", "split-00003"), 20)));
    table = RoutingTable.of(routes);
    // a fresh String each time, as the gateway gets from the Host header
    single = new String("svc0.default.localhost");
    split = new String("split.default.localhost");
  }

  @Benchmark
  public NamespacedName singleRevision() {
    return table.route(single, true).pick();
  }

  @Benchmark
  public NamespacedName threeWaySplit() {
    return table.route(split, true).pick();
  }
}
