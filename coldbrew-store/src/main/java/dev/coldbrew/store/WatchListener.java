package dev.coldbrew.store;

/**
 * Receives a watch's events. Called by one store thread at a time, in commit order; a slow listener
 * delays only its own watch, and one that falls too far behind gets {@link WatchEvent.Type#RESET}.
 */
@FunctionalInterface
public interface WatchListener {
  void onEvent(WatchEvent event);
}
