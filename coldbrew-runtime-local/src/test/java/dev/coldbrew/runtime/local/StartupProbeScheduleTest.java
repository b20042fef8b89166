package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The startup probe cadence, on virtual time: no process, no clock, no sleep. */
class StartupProbeScheduleTest {
  private static final long US = 1_000;
  private static final long MS = 1_000_000;
  private final StartupProbeSchedule schedule =
      new StartupProbeSchedule(Duration.ofNanos(200 * US), Duration.ofMillis(1));

  @Test
  void aLoneStartBacksOffFrom200MicrosecondsToOneMillisecond() {
    assertThat(delays(-1, 1, 8)).containsExactly(200 * US, 400 * US, 800 * US, MS, MS, MS, MS, MS);
  }

  @Test
  void theCapGrowsWithTheInstancesStartingUpTo20Milliseconds() {
    assertThat(schedule.cap(0)).isEqualTo(MS);
    assertThat(schedule.cap(1)).isEqualTo(MS);
    assertThat(schedule.cap(5)).isEqualTo(5 * MS);
    assertThat(schedule.cap(20)).isEqualTo(20 * MS);
    assertThat(schedule.cap(500)).isEqualTo(20 * MS);
    assertThat(delays(-1, 5, 8))
        .containsExactly(
            200 * US, 400 * US, 800 * US, 1600 * US, 3200 * US, 5 * MS, 5 * MS, 5 * MS);
    // an interval above 20 ms is kept as it is
    assertThat(new StartupProbeSchedule(Duration.ofMillis(1), Duration.ofMillis(50)).cap(3))
        .isEqualTo(50 * MS);
  }

  @Test
  void untilThreeQuartersOfThePreviousStartAttemptsAreAtMost20MillisecondsApart() {
    long previousStart = 100 * MS; // quiet until 75 ms after launch
    assertThat(schedule.next(0, previousStart, 10 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(20 * MS, 0));
    assertThat(schedule.next(0, previousStart, 70 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(5 * MS, 0));
    // from 3/4 on the back-off from the initial interval, up to 1 ms
    assertThat(schedule.next(0, previousStart, 75 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 200 * US));
    assertThat(schedule.next(400 * US, previousStart, 86 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(800 * US, 800 * US));
    assertThat(schedule.next(MS, previousStart, 90 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(MS, MS));
  }

  @Test
  void within1MillisecondOfThePreviousStartAttemptsAre200MicrosecondsApart() {
    long previousStart = 100 * MS; // dense from 99 ms until 101 ms
    // a step that would pass 99 ms ends there
    assertThat(schedule.next(MS, previousStart, 98_500 * US, 1))
        .isEqualTo(new StartupProbeSchedule.Step(500 * US, MS));
    assertThat(schedule.next(MS, previousStart, 99 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 0));
    assertThat(schedule.next(0, previousStart, 100_900 * US, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 0));
    // then the back-off starts again from the initial interval
    assertThat(schedule.next(0, previousStart, 101 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 200 * US));
    List<Long> at = attempts(previousStart, 1, 101 * MS);
    assertThat(at.stream().filter(t -> t >= 99 * MS).count()).isBetween(9L, 11L);
    // the whole start: 5 quiet attempts, ~26 from 75 to 99 ms, ~10 dense ones
    assertThat(at.size()).isBetween(38, 44);
  }

  @Test
  void theDenseStretchIsAQuarterOfAShortPreviousStartEitherSideAndSharedByTheInstancesStarting() {
    long previousStart = 2 * MS; // quiet until 1.5 ms, dense until 2.5 ms
    assertThat(schedule.next(0, previousStart, 1500 * US, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 0));
    assertThat(schedule.next(0, previousStart, 2500 * US, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 200 * US));
    // five starting at once: each attempts every 1 ms, and 20 at once every 4 ms (within the cap)
    long nginx = 8 * MS;
    assertThat(schedule.next(0, nginx, 7 * MS, 5)).isEqualTo(new StartupProbeSchedule.Step(MS, 0));
    assertThat(schedule.next(0, nginx, 7 * MS, 20))
        .isEqualTo(new StartupProbeSchedule.Step(4 * MS, 0));
  }

  @Test
  void anAppIsSeenWithin200MicrosecondsWhereExpectedAMillisecondAfterAnd20MillisecondsBefore() {
    for (long listensAt = 0; listensAt < 200 * MS; listensAt += 137 * US) {
      assertThat(firstAttemptAtOrAfter(listensAt, -1, 1) - listensAt)
          .as("listens at %d ns, no previous start", listensAt)
          .isLessThanOrEqualTo(MS);
      long previous = 120 * MS;
      long seen = firstAttemptAtOrAfter(listensAt, previous, 1) - listensAt;
      assertThat(seen)
          .as("listens at %d ns, previous start 120 ms", listensAt)
          .isLessThanOrEqualTo(
              Math.abs(listensAt - previous) < MS
                  ? 200 * US
                  : listensAt >= previous * 3 / 4 ? MS : 20 * MS);
    }
  }

  @Test
  void aSlowStartCostsFewAttemptsWhileItIsQuiet() {
    // the previous start took 2 s; at most one attempt per 20 ms until 1.5 s
    List<Long> at = attempts(2000 * MS, 1, 1500 * MS);
    assertThat(at.size()).isBetween(75, 77);
  }

  /** The delays of the first n attempts after the first one fails. */
  private List<Long> delays(long previousStart, int starting, int n) {
    List<Long> out = new ArrayList<>();
    long base = 0;
    long t = 0;
    for (int k = 0; k < n; k++) {
      StartupProbeSchedule.Step s = schedule.next(base, previousStart, t, starting);
      out.add(s.delayNanos());
      t += s.delayNanos();
      base = s.base();
    }
    return out;
  }

  /** When the attempts run, from launch (the first at 0) until {@code until}. */
  private List<Long> attempts(long previousStart, int starting, long until) {
    List<Long> at = new ArrayList<>();
    long base = 0;
    long t = 0;
    while (t < until) {
      at.add(t);
      StartupProbeSchedule.Step s = schedule.next(base, previousStart, t, starting);
      t += s.delayNanos();
      base = s.base();
    }
    return at;
  }

  private long firstAttemptAtOrAfter(long listensAt, long previousStart, int starting) {
    List<Long> at = attempts(previousStart, starting, listensAt + 30 * MS);
    return at.stream().filter(t -> t >= listensAt).findFirst().orElseThrow();
  }
}
