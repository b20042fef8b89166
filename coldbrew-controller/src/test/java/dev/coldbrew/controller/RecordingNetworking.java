package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.SksMode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records what the reconcilers tell the data plane: every call in order as one line ({@link
 * #calls}), plus the routing table the deltas add up to, the mapped domains, the modes and the
 * failures.
 */
final class RecordingNetworking implements Networking {
  /** One {@link #routesChanged} call. */
  record Delta(Map<String, List<Split>> set, Set<String> removed) {}

  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<Delta> deltas = new CopyOnWriteArrayList<>();
  final Map<String, List<Split>> hosts = new ConcurrentHashMap<>();
  final Map<String, List<Split>> domains = new ConcurrentHashMap<>();
  final Map<NamespacedName, SksMode> modes = new ConcurrentHashMap<>();
  final Map<NamespacedName, String> failures = new ConcurrentHashMap<>();
  final Map<NamespacedName, Revision> revisions = new ConcurrentHashMap<>();

  /**
   * {@code routesChanged {host=[ns/rev 50, ns/rev2 50]} removed [host2]}, hosts sorted. {@link
   * #calls} and {@link #hosts} hold the public hosts ({@code *.localhost}) only; {@link #deltas}
   * also the cluster's forms of each ({@code *.svc.cluster.local}, {@code *.svc}, {@code
   * name.namespace}).
   */
  @Override
  public void routesChanged(Map<String, List<Split>> set, Set<String> removed) {
    Map<String, String> sorted = new TreeMap<>();
    set.forEach(
        (host, splits) -> {
          if (isPublic(host)) {
            sorted.put(
                host,
                splits.stream().map(s -> s.revision() + " " + s.percent()).toList().toString());
            hosts.put(host, splits);
          }
        });
    Set<String> gone = new TreeSet<>(removed);
    gone.removeIf(h -> !isPublic(h));
    calls.add("routesChanged " + sorted + " removed " + gone);
    deltas.add(new Delta(Map.copyOf(set), Set.copyOf(removed)));
    gone.forEach(hosts::remove);
  }

  /** {@code domainsChanged {example.com=[ns/rev 100]} removed [www.example.com]}, sorted. */
  @Override
  public void domainsChanged(Map<String, List<Split>> set, Set<String> removed) {
    Map<String, String> sorted = new TreeMap<>();
    set.forEach(
        (host, splits) ->
            sorted.put(
                host,
                splits.stream().map(s -> s.revision() + " " + s.percent()).toList().toString()));
    domains.putAll(set);
    removed.forEach(domains::remove);
    calls.add("domainsChanged " + sorted + " removed " + new TreeSet<>(removed));
  }

  private static boolean isPublic(String host) {
    return host.endsWith(".localhost");
  }

  @Override
  public void revisionChanged(Revision revision) {
    NamespacedName key = NamespacedName.of(revision);
    calls.add("revisionChanged " + key);
    revisions.put(key, revision);
  }

  @Override
  public void revisionRemoved(NamespacedName revision) {
    calls.add("revisionRemoved " + revision);
    revisions.remove(revision);
  }

  @Override
  public void modeChanged(NamespacedName revision, SksMode mode) {
    calls.add("modeChanged " + revision + " " + mode);
    modes.put(revision, mode);
  }

  @Override
  public void revisionFailed(NamespacedName revision, String reason, String message) {
    calls.add("revisionFailed " + revision + " " + reason + ": " + message);
    failures.put(revision, reason + ": " + message);
  }

  @Override
  public void revisionHealthy(NamespacedName revision) {
    calls.add("revisionHealthy " + revision);
    failures.remove(revision);
  }

  @Override
  public List<String> activatorEndpoints() {
    return List.of("127.0.0.1:8080");
  }
}
