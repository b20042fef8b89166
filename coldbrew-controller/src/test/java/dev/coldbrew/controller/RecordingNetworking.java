package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps the routing deltas (and the table they add up to), modes and failures published. */
final class RecordingNetworking implements Networking {
  /** One {@link #routesChanged} call. */
  record Delta(Map<String, List<Split>> set, Set<String> removed) {}

  final List<Delta> deltas = new CopyOnWriteArrayList<>();
  final Map<String, List<Split>> hosts = new ConcurrentHashMap<>();
  final Map<NamespacedName, String> modes = new ConcurrentHashMap<>();
  final Map<NamespacedName, String> failures = new ConcurrentHashMap<>();
  final Map<NamespacedName, Revision> revisions = new ConcurrentHashMap<>();

  @Override
  public void routesChanged(Map<String, List<Split>> set, Set<String> removed) {
    deltas.add(new Delta(Map.copyOf(set), Set.copyOf(removed)));
    removed.forEach(hosts::remove);
    hosts.putAll(set);
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
