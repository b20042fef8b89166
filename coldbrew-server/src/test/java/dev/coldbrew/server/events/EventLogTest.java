package dev.coldbrew.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.server.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventLogTest {
  /** A clock the test moves. */
  /** The clock the events are stamped by. */
  static TestClock clock() {
    return new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Test
  void keepsAtMostMaxCountDroppingTheOldest() {
    EventLog log = new EventLog(clock(), Duration.ofHours(1), 3);
    for (int i = 1; i <= 5; i++) {
      log.record("default", "Normal", "ScaledUp", "revision/r", "event " + i);
    }
    assertThat(log.list("default"))
        .extracting(EventLog.Event::message)
        .containsExactly("event 3", "event 4", "event 5");
  }

  @Test
  void forgetsEventsOlderThanMaxAge() {
    TestClock clock = clock();
    EventLog log = new EventLog(clock, Duration.ofMinutes(10), 100);
    log.record("default", "Normal", "ScaledUp", "revision/r", "old");
    clock.advance(Duration.ofMinutes(6));
    log.record("default", "Normal", "ScaledDown", "revision/r", "new");
    clock.advance(Duration.ofMinutes(5));
    assertThat(log.list(null)).extracting(EventLog.Event::message).containsExactly("new");
  }

  @Test
  void listsOneNamespaceOrAll() {
    EventLog log = new EventLog(clock(), Duration.ofHours(1), 100);
    log.record("a", "Normal", "ScaledUp", "revision/x", "in a");
    log.record("b", "Warning", "ExitCode1", "revision/y", "in b");
    assertThat(log.list("b")).extracting(EventLog.Event::message).containsExactly("in b");
    assertThat(log.list(null)).hasSize(2);
  }

  @Test
  void watchersSeeNewEventsUntilClosed() throws Exception {
    EventLog log = new EventLog(clock(), Duration.ofHours(1), 100);
    log.record("default", "Normal", "ScaledUp", "revision/r", "before");
    List<String> seen = new ArrayList<>();
    AutoCloseable w = log.watch(e -> seen.add(e.message()));
    log.record("default", "Normal", "ColdStart", "revision/r", "during");
    w.close();
    log.record("default", "Normal", "ScaledDown", "revision/r", "after");
    assertThat(seen).containsExactly("during");
  }
}
