package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.runtime.local.InstanceLife.Phase;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The instance state machine on virtual time: no process, no clock, no sleep. */
class InstanceLifeTest {
  private static final long S = 1_000_000_000L;
  private final LocalRuntimeOptions options =
      LocalRuntimeOptions.builder(Path.of("unused"))
          .restartBackoffInitial(Duration.ofMillis(100))
          .restartBackoffMax(Duration.ofSeconds(30))
          .restartBackoffResetAfter(Duration.ofSeconds(10))
          .build();
  private final InstanceLife.Census census = new InstanceLife.Census();

  @Test
  void startsStartingAndBecomesReadyAfterSuccessThresholdPassesInARow() {
    InstanceLife life = new InstanceLife(census, options);
    assertThat(life.phase()).isEqualTo(Phase.STARTING);
    assertThat(census.starting()).isEqualTo(1);
    int gen = life.nextRun();
    life.launched(5 * S);

    assertThat(life.startupAttempt(true, 2, 6 * S)).isFalse();
    assertThat(life.startupAttempt(false, 2, 6 * S)).isFalse(); // the count starts over
    assertThat(life.startupAttempt(true, 2, 7 * S)).isFalse();
    assertThat(life.startupAttempt(true, 2, 8 * S)).isTrue();
    assertThat(life.phase()).isEqualTo(Phase.READY);
    assertThat(life.startNanos()).isEqualTo(3 * S);
    assertThat(life.current(gen)).isTrue();
    assertThat(census.starting()).isZero();
  }

  @Test
  void readinessFailuresTakeItOutOfTheReadySetAndSuccessesPutItBack() {
    InstanceLife life = ready();
    assertThat(life.readinessAttempt(false, 2, 3, 11 * S)).isFalse();
    assertThat(life.readinessAttempt(false, 2, 3, 12 * S)).isFalse();
    assertThat(life.readinessAttempt(true, 2, 3, 13 * S)).isFalse(); // failures start over
    assertThat(life.readinessAttempt(false, 2, 3, 14 * S)).isFalse();
    assertThat(life.readinessAttempt(false, 2, 3, 15 * S)).isFalse();
    assertThat(life.readinessAttempt(false, 2, 3, 16 * S)).isTrue();
    assertThat(life.phase()).isEqualTo(Phase.NOT_READY);
    assertThat(life.readinessAttempt(false, 2, 3, 17 * S)).isFalse(); // already out

    assertThat(life.readinessAttempt(true, 2, 3, 18 * S)).isFalse();
    assertThat(life.readinessAttempt(true, 2, 3, 19 * S)).isTrue();
    assertThat(life.phase()).isEqualTo(Phase.READY);
    assertThat(life.readinessAttempt(true, 2, 3, 20 * S)).isFalse();
  }

  @Test
  void livenessFailuresInARowEndTheRunWhoseExitIsThenReportedAsTheProbesFault() {
    InstanceLife life = ready();
    assertThat(life.livenessAttempt(false, 3)).isFalse();
    assertThat(life.livenessAttempt(true, 3)).isFalse(); // failures start over
    assertThat(life.livenessAttempt(false, 3)).isFalse();
    assertThat(life.livenessAttempt(false, 3)).isFalse();
    assertThat(life.livenessAttempt(false, 3)).isTrue();
    assertThat(life.phase()).isEqualTo(Phase.RESTARTING);
    assertThat(life.exitReason(143)).isEqualTo("LivenessProbeFailed");
    assertThat(life.exitReason(3)).isEqualTo("ExitCode3"); // the reason was for that run only
  }

  @Test
  void restartsBackOffByDoublingUpToTheMaximum() {
    InstanceLife life = new InstanceLife(census, options);
    life.nextRun();
    life.launched(0);
    long now = 0;
    long[] waits = new long[12];
    for (int k = 0; k < waits.length; k++) {
      waits[k] = life.restart(now).toMillis();
      assertThat(life.phase()).isEqualTo(Phase.RESTARTING);
      now += waits[k] * 1_000_000;
      life.nextRun();
      life.launched(now); // crashes again before it is ever ready
    }
    assertThat(waits)
        .containsExactly(100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000);
  }

  @Test
  void backoffStartsOverOnlyAfterStayingReadyTenSeconds() {
    InstanceLife life = new InstanceLife(census, options);
    life.nextRun();
    life.launched(0);
    assertThat(life.restart(0)).isEqualTo(Duration.ofMillis(100));
    assertThat(life.restart(0)).isEqualTo(Duration.ofMillis(200));
    assertThat(life.restart(0)).isEqualTo(Duration.ofMillis(400));

    life.nextRun();
    life.launched(1 * S);
    life.startupAttempt(true, 1, 2 * S);
    assertThat(life.restart(2 * S + 9 * S)).isEqualTo(Duration.ofMillis(800)); // ready 9 s

    life.nextRun();
    life.launched(20 * S);
    life.startupAttempt(true, 1, 21 * S);
    assertThat(life.restart(31 * S)).isEqualTo(Duration.ofMillis(100)); // ready 10 s
    assertThat(life.restart(31 * S)).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void eventsOfAnEarlierRunOrOfAStoppedInstanceAreNotCurrent() {
    InstanceLife life = new InstanceLife(census, options);
    int first = life.nextRun();
    life.launched(0);
    int second = life.nextRun();
    assertThat(life.current(first)).isFalse();
    assertThat(life.current(second)).isTrue();
    assertThat(life.stop()).isFalse(); // never ready: nothing to drain
    assertThat(life.stopping()).isTrue();
    assertThat(life.current(second)).isFalse();
    life.stopped();
    assertThat(life.phase()).isEqualTo(Phase.STOPPED);
    assertThat(life.stopping()).isTrue();
  }

  @Test
  void anInstanceThatWasEverReadyIsDrainedBeforeItStops() {
    InstanceLife life = ready();
    life.readinessAttempt(false, 1, 1, 20 * S); // out of the ready set, but requests may be on it
    assertThat(life.phase()).isEqualTo(Phase.NOT_READY);
    assertThat(life.stop()).isTrue();
  }

  @Test
  void theCensusCountsStartingInstancesThroughEveryTransition() {
    InstanceLife a = new InstanceLife(census, options);
    InstanceLife b = new InstanceLife(census, options);
    assertThat(census.starting()).isEqualTo(2);
    a.nextRun();
    a.launched(0); // still starting
    assertThat(census.starting()).isEqualTo(2);
    a.startupAttempt(true, 1, 1);
    assertThat(census.starting()).isEqualTo(1);
    b.restart(0); // could not start
    assertThat(census.starting()).isZero();
    b.nextRun();
    b.launched(1);
    assertThat(census.starting()).isEqualTo(1);
    b.stop();
    b.stopped();
    a.stop();
    assertThat(census.starting()).isZero();
  }

  private InstanceLife ready() {
    InstanceLife life = new InstanceLife(census, options);
    life.nextRun();
    life.launched(9 * S);
    assertThat(life.startupAttempt(true, 1, 10 * S)).isTrue();
    return life;
  }
}
