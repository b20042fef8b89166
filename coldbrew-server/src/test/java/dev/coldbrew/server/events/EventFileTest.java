package dev.coldbrew.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.server.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// the tests open an EventFile for its effect on the log (it records while open), not to call it
@SuppressWarnings("try")
class EventFileTest {
  @TempDir Path dir;
  final TestClock clock = EventLogTest.clock();

  private static List<String> messages(EventLog log) {
    return log.list(null).stream().map(EventLog.Event::message).toList();
  }

  @Test
  void eventsComeBackAfterARestartInOrderWithoutBeingSentAgain() throws Exception {
    EventLog before = new EventLog(clock, Duration.ofHours(1), 100);
    try (EventFile f = EventFile.open(dir, before, 100)) {
      before.record("default", "Normal", "ScaledUp", "revision/a-00001", "one");
      before.record("other", "Warning", "ExitCode3", "revision/b-00001", "two \"quoted\"\nlines");
    }
    EventLog after = new EventLog(clock, Duration.ofHours(1), 100);
    List<EventLog.Event> sent = new ArrayList<>();
    after.watch(sent::add);
    try (EventFile f = EventFile.open(dir, after, 100)) {
      assertThat(after.list(null)).containsExactlyElementsOf(before.list(null));
      assertThat(sent).isEmpty();
      after.record("default", "Normal", "ScaledDown", "revision/a-00001", "three");
    }
    EventLog third = new EventLog(clock, Duration.ofHours(1), 100);
    try (EventFile f = EventFile.open(dir, third, 100)) {
      assertThat(messages(third)).containsExactly("one", "two \"quoted\"\nlines", "three");
    }
  }

  @Test
  void eventsOlderThanTheMaxAgeAreNotRestored() throws Exception {
    EventLog before = new EventLog(clock, Duration.ofHours(1), 100);
    try (EventFile f = EventFile.open(dir, before, 100)) {
      before.record("default", "Normal", "ScaledUp", "revision/a", "old");
      clock.advance(Duration.ofMinutes(50));
      before.record("default", "Normal", "ScaledUp", "revision/a", "recent");
    }
    clock.advance(Duration.ofMinutes(20));
    EventLog after = new EventLog(clock, Duration.ofHours(1), 100);
    try (EventFile f = EventFile.open(dir, after, 100)) {
      assertThat(messages(after)).containsExactly("recent");
    }
    assertThat(Files.readAllLines(dir.resolve(EventFile.NAME))).hasSize(1);
  }

  @Test
  void linesThatAreNotWholeEventsAreSkipped() throws Exception {
    EventLog.Event good =
        new EventLog.Event(clock.instant(), "default", "Normal", "R", "x/y", "kept");
    Files.writeString(
        dir.resolve(EventFile.NAME),
        String.join(
            "\n",
            "garbage",
            "[1,2]",
            "{\"time\":\"yesterday\",\"namespace\":\"d\",\"type\":\"N\",\"reason\":\"R\","
                + "\"object\":\"o\",\"message\":\"m\"}",
            "{\"time\":\"2026-01-01T00:00:00Z\",\"namespace\":7}",
            EventFile.line(good),
            "{\"time\":\"2026-01-01T00:00:00Z\",\"namespace\":\"d\",\"type\":\"N\",\"rea"));
    EventLog log = new EventLog(clock, Duration.ofHours(1), 100);
    try (EventFile f = EventFile.open(dir, log, 100)) {
      assertThat(log.list(null)).containsExactly(good);
    }
    assertThat(Files.readAllLines(dir.resolve(EventFile.NAME)))
        .containsExactly(EventFile.line(good));
  }

  @Test
  void theFileStaysBoundedByTwiceTheCount() throws Exception {
    EventLog log = new EventLog(clock, Duration.ofHours(1), 10);
    try (EventFile f = EventFile.open(dir, log, 10)) {
      for (int i = 0; i < 95; i++) {
        log.record("default", "Normal", "ScaledUp", "revision/a", "event " + i);
      }
    }
    List<String> lines = Files.readAllLines(dir.resolve(EventFile.NAME));
    assertThat(lines.size()).isBetween(10, 20);
    assertThat(lines.get(lines.size() - 1)).contains("event 94");
    EventLog after = new EventLog(clock, Duration.ofHours(1), 10);
    try (EventFile f = EventFile.open(dir, after, 10)) {
      assertThat(messages(after)).hasSize(10).last().isEqualTo("event 94");
    }
  }
}
