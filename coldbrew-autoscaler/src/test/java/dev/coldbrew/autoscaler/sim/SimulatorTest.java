package dev.coldbrew.autoscaler.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.validation.ValidationException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorTest {
  private static Simulator.Options defaults(Duration coldStart) {
    return new Simulator.Options(AutoscalerConfig.defaults(), Map.of(), 0, coldStart, null);
  }

  @Test
  void idleRevisionScalesToZeroThenAColdStartServesTheHeldRequest() {
    Trace trace = Trace.of(List.of(new Trace.Request(200_000, 100)));
    Simulator.Result r = Simulator.run(trace, defaults(Duration.ofMillis(500)));

    // 0 s: deployed with 1 instance. 2 s: desired 0, but the PA has been Active only 2 s: keep 1,
    // look again at 60 s: Inactive (SKS already Proxy: TBC 211) → 3 s requeue → 63 s: the
    // activator has been in the path ≥ 30 s, so scale to 0.
    // 200 s: the request pokes the decider (desired 1), the instance is ready at 200.5 s, and
    // after a stable window without load (260 s, +0.5 s to be Active 60 s, +3 s) it goes again.
    Simulator.Summary s = r.summary();
    assertThat(s.instanceSeconds()).isEqualTo(63 + 63.5);
    assertThat(s.coldStarts()).isEqualTo(1);
    assertThat(s.instanceStarts()).isEqualTo(1);
    assertThat(s.peakInstances()).isEqualTo(1);
    assertThat(s.requests()).isEqualTo(1);
    assertThat(s.waitedRequests()).isEqualTo(1);
    assertThat(s.maxWaitMillis()).isEqualTo(500);
    assertThat(s.unservedRequests()).isZero();

    Simulator.Tick poke = r.ticks().stream().filter(Simulator.Tick::poke).findFirst().orElseThrow();
    assertThat(poke.atMillis()).isEqualTo(200_000);
    assertThat(poke.desired()).isEqualTo(1);
    assertThat(poke.scale()).isEqualTo(1);
    assertThat(poke.ready()).isZero();
    assertThat(poke.sksMode()).isEqualTo(SksMode.PROXY);
    assertThat(poke.active()).isEqualTo("Unknown (Queued)");
  }

  @Test
  void aBurstPanicsAndScalesOutWithinTheRateLimits() {
    // 50 concurrent one-second requests for 10 s, target 10 per instance, unlimited concurrency.
    // TBC 211 keeps the activator in the path, so the first request reports 1 at 0 s at once and
    // the next report is 50 − 1. At 2 s the panic window holds (1 + 49 + 50) / 3 = 33.33:
    // ceil(3.33) = 4 instances, 4/1 >= 2 panics. At 6 s: (49 + 5 × 50) / 6 = 49.83 → 5.
    StringBuilder csv = new StringBuilder("second,concurrency\n");
    for (int t = 0; t < 10; t++) {
      csv.append(t).append(",50\n");
    }
    Simulator.Result r =
        Simulator.run(
            Trace.parseCsv("burst.csv", csv.toString()),
            new Simulator.Options(
                AutoscalerConfig.defaults(),
                Map.of(
                    "autoscaling.knative.dev/target", "10",
                    "autoscaling.knative.dev/target-utilization-percentage", "100"),
                0,
                Duration.ofSeconds(1),
                null));
    Simulator.Tick first = r.ticks().get(0);
    assertThat(first.atMillis()).isEqualTo(2000);
    assertThat(first.panic()).isEqualTo(33.333333);
    assertThat(first.desired()).isEqualTo(4);
    assertThat(first.panicking()).isTrue();
    assertThat(r.summary().peakInstances()).isEqualTo(5);
    assertThat(r.summary().waitedRequests()).as("one instance was ready all along").isZero();
    assertThat(r.summary().requests()).isEqualTo(500);
    assertThat(r.summary().unservedRequests()).isZero();
    assertThat(r.ticks().get(r.ticks().size() - 1).scale()).as("back to zero").isZero();
  }

  @Test
  void traceFormatsAndErrors() {
    Trace c = Trace.parseCsv("t.csv", "second,concurrency\n3,2.5\n");
    assertThat(c.requests())
        .containsExactly(
            new Trace.Request(3000, 1000),
            new Trace.Request(3000, 1000),
            new Trace.Request(3000, 500));
    Trace a = Trace.parseCsv("t.csv", "timestamp,durationMs\n1.25,40\n0.5,10\n");
    assertThat(a.requests())
        .containsExactly(new Trace.Request(500, 10), new Trace.Request(1250, 40));
    assertThatThrownBy(() -> Trace.parseCsv("t.csv", "a,b\n1,2\n"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("t.csv:1: \"a,b\" (expected: a header line");
    assertThatThrownBy(() -> Trace.parseCsv("t.csv", "second,concurrency\n1,x\n"))
        .hasMessageContaining("t.csv:2: \"1,x\"");
  }

  @Test
  void reportsRenderEveryFormat() {
    Simulator.Result r =
        Simulator.run(
            Trace.of(List.of(new Trace.Request(1000, 100))),
            new Simulator.Options(
                AutoscalerConfig.defaults(), Map.of(), 0, Duration.ZERO, Duration.ofSeconds(4)));
    assertThat(SimulationReport.csv(r))
        .startsWith(
            "second,poke,valid,stable,panic,desired,ebc,panicking,scale,instances,ready,sks,active\n2,no,true,")
        .contains("\ninstanceSeconds,4\n");
    assertThat(SimulationReport.json(r))
        .contains("\"summary\"")
        .contains("\"instanceSeconds\" : 4.0");
    assertThat(SimulationReport.table(r)).contains("SUMMARY").contains("peakInstances");
  }
}
