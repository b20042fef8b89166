package dev.coldbrew.store;

import java.util.ArrayList;
import java.util.List;

/** A watch listener that keeps every event. Thread-safe. */
public final class Recorder implements WatchListener {
  private final List<WatchEvent> events = new ArrayList<>();

  @Override
  public synchronized void onEvent(WatchEvent event) {
    events.add(event);
  }

  public synchronized List<WatchEvent> events() {
    return List.copyOf(events);
  }

  public synchronized int size() {
    return events.size();
  }

  /** Each event as {@code TYPE Kind ns/name}, or {@code RESET}. */
  public synchronized List<String> summary() {
    return events.stream()
        .map(
            e ->
                e.type() == WatchEvent.Type.RESET
                    ? "RESET"
                    : e.type() + " " + e.kind().kindName() + " " + e.namespace() + "/" + e.name())
        .toList();
  }
}
