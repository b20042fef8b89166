package dev.coldbrew.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrpcBenchmarkTest {
  private static final List<String> BASE =
      List.of("127.0.0.1", "8080", "a.default.localhost", "10", "50");

  private static List<String> with(String... more) {
    List<String> a = new java.util.ArrayList<>(BASE);
    a.addAll(List.of(more));
    return a;
  }

  @Test
  void parsesTheLoadArgumentsAndOptions() {
    GrpcBenchmark.LoadArgs a =
        GrpcBenchmark.LoadArgs.parse(
            with("--warmup", "0", "--cpu", "proxy=12", "--cpu", "backend=3,4"));
    assertThat(a.host()).isEqualTo("127.0.0.1");
    assertThat(a.port()).isEqualTo(8080);
    assertThat(a.authority()).isEqualTo("a.default.localhost");
    assertThat(a.seconds()).isEqualTo(10);
    assertThat(a.concurrency()).isEqualTo(50);
    assertThat(a.warmupSeconds()).isZero();
    assertThat(a.cpu()).isEqualTo(Map.of("proxy", List.of(12L), "backend", List.of(3L, 4L)));
    assertThat(GrpcBenchmark.LoadArgs.parse(BASE).warmupSeconds()).isEqualTo(3);
  }

  @Test
  void refusesMalformedArgumentsNamingThem() {
    refused(
        List.of("127.0.0.1", "8080"), "load needs HOST PORT AUTHORITY SECONDS CONCURRENCY; got 2");
    refused(
        List.of("127.0.0.1", "http", "a", "10", "50"),
        "PORT: \"http\" (expected: a whole number from 1 to 65535)");
    refused(List.of("127.0.0.1", "0", "a", "10", "50"), "PORT: \"0\"");
    refused(List.of("127.0.0.1", "65536", "a", "10", "50"), "PORT: \"65536\"");
    refused(List.of("", "80", "a", "10", "50"), "HOST: \"\"");
    refused(List.of("h", "80", "", "10", "50"), "AUTHORITY: \"\"");
    refused(
        List.of("h", "80", "a b", "10", "50"),
        "AUTHORITY: \"a b\" (expected: host[:port], printable ASCII)");
    refused(List.of("h", "80", "a\r\nx: y", "10", "50"), "AUTHORITY: \"a\r\nx: y\"");
    refused(
        List.of("h", "80", "a", "0", "50"),
        "SECONDS: \"0\" (expected: a whole number from 1 to 3600)");
    refused(List.of("h", "80", "a", "1e3", "50"), "SECONDS: \"1e3\"");
    refused(
        List.of("h", "80", "a", "10", "-1"),
        "CONCURRENCY: \"-1\" (expected: a whole number from 1 to 10000)");
    refused(List.of("h", "80", "a", "10", "99999999999"), "CONCURRENCY: \"99999999999\"");
    refused(with("--warmup"), "--warmup: no value");
    refused(with("--warmup", "x"), "--warmup: \"x\" (expected: a whole number from 0 to 3600)");
    refused(with("--duration", "5"), "unknown option \"--duration\" (expected: --warmup or --cpu)");
    refused(with("--cpu", "12"), "--cpu: \"12\" (expected: NAME=PID,...");
    refused(with("--cpu", "Proxy=12"), "--cpu: \"Proxy=12\"");
    refused(with("--cpu", "proxy="), "--cpu proxy pid: \"\" (expected: a whole number from 1");
    refused(with("--cpu", "proxy=1,,2"), "--cpu proxy pid: \"\"");
    refused(with("--cpu", "proxy=abc"), "--cpu proxy pid: \"abc\"");
    refused(with("--cpu", "p=1", "--cpu", "p=2"), "--cpu: p given twice");
  }

  private static void refused(List<String> args, String message) {
    assertThatThrownBy(() -> GrpcBenchmark.LoadArgs.parse(args))
        .as(String.valueOf(args))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void percentilesAreNearestRankOverTheSortedLatencies() {
    long[] ns = new long[100];
    for (int i = 0; i < ns.length; i++) {
      ns[i] = (i + 1) * 1_000_000L; // 1..100 ms
    }
    GrpcBenchmark.Result r =
        new GrpcBenchmark.Result(100, 2, 0, null, ns, 4, Map.of("proxy", 12.5));
    assertThat(r.percentileMs(50)).isEqualTo(50.0);
    assertThat(r.percentileMs(99)).isEqualTo(99.0);
    assertThat(r.percentileMs(100)).isEqualTo(100.0);
    assertThat(r.line())
        .isEqualTo(
            "grpc-load calls=100 seconds=2.000 calls_per_s=50.0 p50_ms=50.000 p90_ms=90.000"
                + " p99_ms=99.000 max_ms=100.000 errors=0 concurrency=4 proxy_cpu_us_per_call=12.50");
  }
}
