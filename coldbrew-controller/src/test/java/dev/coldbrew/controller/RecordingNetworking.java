package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Keeps the last routing table, modes and failures the reconcilers published. */
final class RecordingNetworking implements Networking {
  volatile RoutingTable table = new RoutingTable(Map.of());
  final Map<NamespacedName, String> modes = new ConcurrentHashMap<>();
  final Map<NamespacedName, String> failures = new ConcurrentHashMap<>();
  final Map<NamespacedName, Revision> revisions = new ConcurrentHashMap<>();

  @Override
  public void routingChanged(RoutingTable t) {
    table = t;
  }

  @Override
  public void revisionChanged(Revision revision) {
    revisions.put(NamespacedName.of(revision), revision);
  }

  @Override
  public void revisionRemoved(NamespacedName revision) {
    revisions.remove(revision);
  }

  @Override
  public void modeChanged(NamespacedName revision, String mode) {
    modes.put(revision, mode);
  }

  @Override
  public void revisionFailed(NamespacedName revision, String reason, String message) {
    failures.put(revision, reason + ": " + message);
  }

  @Override
  public void revisionHealthy(NamespacedName revision) {
    failures.remove(revision);
  }

  @Override
  public List<String> activatorEndpoints() {
    return List.of("127.0.0.1:8080");
  }
}
