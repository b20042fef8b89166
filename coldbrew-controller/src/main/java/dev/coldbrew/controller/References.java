package dev.coldbrew.controller;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Resource;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which resources of one reconciler's kind reference which others (a Route its configurations and
 * revisions, a DomainMapping its Service or Route), so that a change of the referenced one
 * re-queues those that depend on it. Each reconcile forgets a resource's references and records
 * them anew. Thread-safe.
 */
final class References {
  /** "Kind/ns/name" of a referenced resource → the resources that reference it. */
  private final Map<String, Set<NamespacedName>> dependents = new ConcurrentHashMap<>();

  /** resource → the "Kind/ns/name" keys it is listed under in {@link #dependents}. */
  private final Map<NamespacedName, Set<String>> tracked = new ConcurrentHashMap<>();

  /** The resources that reference {@code r}. */
  Set<NamespacedName> of(Resource r) {
    return dependents.getOrDefault(
        key(r.resourceKind(), r.metadata.namespace, r.metadata.name), Set.of());
  }

  /** Records that {@code dependent} references {@code kind ns/name}. */
  void add(Kind kind, String ns, String name, NamespacedName dependent) {
    String k = key(kind, ns, name);
    dependents.computeIfAbsent(k, x -> ConcurrentHashMap.newKeySet()).add(dependent);
    tracked.computeIfAbsent(dependent, x -> ConcurrentHashMap.newKeySet()).add(k);
  }

  /** Forgets what {@code dependent} referenced: O(its references), not O(all references). */
  void clear(NamespacedName dependent) {
    Set<String> keys = tracked.remove(dependent);
    if (keys != null) {
      for (String k : keys) {
        Set<NamespacedName> set = dependents.get(k);
        if (set != null) {
          set.remove(dependent);
        }
      }
    }
  }

  private static String key(Kind kind, String ns, String name) {
    return kind.kindName() + "/" + ns + "/" + name;
  }
}
