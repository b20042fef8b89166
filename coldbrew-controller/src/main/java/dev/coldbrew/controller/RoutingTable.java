package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import java.util.List;
import java.util.Map;

/**
 * The routing entries of every Route, by host: what the gateway needs to pick a revision for a
 * request. Immutable: a new table is built and published on every change.
 *
 * @param hosts lower-case host (no port) → the revisions it splits traffic over
 */
public record RoutingTable(Map<String, List<Split>> hosts) {
  public RoutingTable {
    hosts = Map.copyOf(hosts);
  }

  /** One revision and its share of a host's traffic, in percent (1..100). */
  public record Split(NamespacedName revision, long percent) {}

  /** Where routing tables go (the data plane). Called from reconciler threads. */
  @FunctionalInterface
  public interface Listener {
    void routingChanged(RoutingTable table);
  }
}
