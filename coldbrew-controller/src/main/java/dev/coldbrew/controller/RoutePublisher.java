package dev.coldbrew.controller;

import dev.coldbrew.api.model.NamespacedName;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each Route's host entries as last published, and the deltas that reach {@link
 * Networking#routesChanged}: a Route change sends only its hosts whose split changed, and removes
 * only its hosts it no longer has. A host claimed by two routes (route {@code a} with tag {@code b}
 * and a route named {@code b-a}) is served by its first claimant; when that one drops it, the next
 * claimant's entry takes over, so one route never removes another's entry. Thread-safe: deltas are
 * computed and sent under one lock, so they arrive in order.
 */
final class RoutePublisher {
  private final Networking listener;

  /** route → its host entries, as last published. */
  private final Map<NamespacedName, Map<String, List<Networking.Split>>> entries =
      new ConcurrentHashMap<>();

  /** host → the routes claiming it, first one served; guarded by this. */
  private final Map<String, LinkedHashSet<NamespacedName>> claims = new HashMap<>();

  RoutePublisher(Networking listener) {
    this.listener = listener;
  }

  /** Whether the route has entries published. */
  boolean isPublished(NamespacedName route) {
    return entries.containsKey(route);
  }

  /** Publishes the route's hosts (replacing its previous ones). */
  synchronized void publish(NamespacedName route, Map<String, List<Networking.Split>> hosts) {
    hosts = Map.copyOf(hosts);
    update(route, entries.put(route, hosts), hosts);
  }

  /** Removes the route's hosts. */
  synchronized void remove(NamespacedName route) {
    Map<String, List<Networking.Split>> old = entries.remove(route);
    if (old != null) {
      update(route, old, Map.of());
    }
  }

  private void update(
      NamespacedName route,
      Map<String, List<Networking.Split>> old,
      Map<String, List<Networking.Split>> hosts) {
    if (old == null) {
      old = Map.of();
    }
    if (old.equals(hosts)) {
      return;
    }
    Map<String, List<Networking.Split>> set = new HashMap<>();
    Set<String> removed = new HashSet<>();
    for (Map.Entry<String, List<Networking.Split>> e : hosts.entrySet()) {
      String host = e.getKey();
      LinkedHashSet<NamespacedName> claimants =
          claims.computeIfAbsent(host, h -> new LinkedHashSet<>());
      claimants.add(route);
      if (claimants.iterator().next().equals(route) && !e.getValue().equals(old.get(host))) {
        set.put(host, e.getValue());
      }
    }
    for (String host : old.keySet()) {
      if (hosts.containsKey(host)) {
        continue;
      }
      LinkedHashSet<NamespacedName> claimants = claims.get(host);
      boolean served = claimants.iterator().next().equals(route);
      claimants.remove(route);
      if (claimants.isEmpty()) {
        claims.remove(host);
        removed.add(host);
      } else if (served) {
        set.put(host, entries.get(claimants.iterator().next()).get(host));
      }
    }
    if (!set.isEmpty() || !removed.isEmpty()) {
      listener.routesChanged(
          Collections.unmodifiableMap(set), Collections.unmodifiableSet(removed));
    }
  }
}
