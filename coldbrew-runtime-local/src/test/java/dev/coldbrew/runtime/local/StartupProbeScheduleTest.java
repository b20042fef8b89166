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
    // from 3/4 on, for 10 ms (half the previous start, at most 10 ms), every 200 µs
    assertThat(schedule.next(0, previousStart, 75 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 0));
    assertThat(schedule.next(0, previousStart, 84 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 0));
    // then the back-off starts from the initial interval
    assertThat(schedule.next(0, previousStart, 85 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 200 * US));
    assertThat(schedule.next(400 * US, previousStart, 86 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(800 * US, 800 * US));
  }

  @Test
  void theDenseStretchIsHalfAShortPreviousStartAndSharedByTheInstancesStarting() {
    long previousStart = 8 * MS; // nginx: quiet until 6 ms, dense until 10 ms
    assertThat(schedule.next(0, previousStart, 6 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 0));
    assertThat(schedule.next(0, previousStart, 10 * MS, 1))
        .isEqualTo(new StartupProbeSchedule.Step(200 * US, 200 * US));
    // five starting at once: each attempts every 1 ms, and 20 at once every 4 ms (within the cap)
    assertThat(schedule.next(0, previousStart, 7 * MS, 5))
        .isEqualTo(new StartupProbeSchedule.Step(MS, 0));
    assertThat(schedule.next(0, previousStart, 7 * MS, 20))
        .isEqualTo(new StartupProbeSchedule.Step(4 * MS, 0));
    assertThat(attempts(previousStart, 1, 10 * MS).stream().filter(t -> t >= 6 * MS).count())
        .isBetween(19L, 21L);
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
              listensAt >= previous * 3 / 4 && listensAt < previous * 3 / 4 + 10 * MS
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
