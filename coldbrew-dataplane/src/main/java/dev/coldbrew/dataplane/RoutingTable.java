package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Route;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The gateway's routing table: host name (lower case, no port) → the traffic split across
 * revisions. A Route's default host maps to its {@code (revision, percent)} targets; each tag host
 * ({@code tag-route.ns.domain}) maps to its single revision at 100 %. Updated per host ({@link
 * #apply}), so a Route change costs only its own hosts; a request looks its host up once, so it
 * sees one host's split from start to end.
 *
 * <p>The domains of DomainMappings are a second table ({@link #applyDomains}), as Knative gives
 * each mapping its own Ingress: each maps to its target Route's split, is public (Knative's mapping
 * Ingress is always external, whatever the Route's visibility, even for a two-label domain such as
 * {@code example.com} that looks like a cluster host), and is looked up when the Routes' table has
 * no entry for the host as this client may see it. Thread-safe: lookups run concurrently with
 * updates.
 */
public final class RoutingTable {

  /** One traffic target: {@code percent} of the host's requests go to {@code revision}. */
  public record Target(NamespacedName revision, int percent) {}

  private final ConcurrentHashMap<String, HostRoute> hosts;
  private final ConcurrentHashMap<String, HostRoute> domains = new ConcurrentHashMap<>();

  private RoutingTable(Map<String, HostRoute> hosts) {
    this.hosts = new ConcurrentHashMap<>(hosts);
  }

  /**
   * Builds a table. Each host's percents must be 0..100 and sum to 100.
   *
   * @throws IllegalArgumentException naming the host and the bad value
   */
  public static RoutingTable of(Map<String, List<Target>> routes) {
    return new RoutingTable(validate(routes));
  }

  /**
   * Removes the {@code removed} hosts, then sets each host of {@code set} to its split. Every entry
   * is validated first (as in {@link #of}): on a bad one nothing is applied.
   *
   * @throws IllegalArgumentException naming the host and the bad value
   */
  public void apply(Map<String, List<Target>> set, Collection<String> removed) {
    Map<String, HostRoute> valid = validate(set);
    for (String host : removed) {
      hosts.remove(host.toLowerCase(Locale.ROOT));
    }
    hosts.putAll(valid);
  }

  /**
   * As {@link #apply}, for the domains of DomainMappings: each mapped domain takes its target's
   * split.
   *
   * @throws IllegalArgumentException naming the domain and the bad value
   */
  public void applyDomains(Map<String, List<Target>> set, Collection<String> removed) {
    Map<String, HostRoute> valid = validate(set);
    for (String host : removed) {
      domains.remove(host.toLowerCase(Locale.ROOT));
    }
    domains.putAll(valid);
  }

  private static Map<String, HostRoute> validate(Map<String, List<Target>> routes) {
    Map<String, HostRoute> hosts = new HashMap<>();
    for (Map.Entry<String, List<Target>> e : routes.entrySet()) {
      String host = e.getKey().toLowerCase(Locale.ROOT);
      hosts.put(host, HostRoute.of(host, e.getValue()));
    }
    return hosts;
  }

  /** The hosts served, lower case (a snapshot). */
  public Set<String> hosts() {
    return Set.copyOf(hosts.keySet());
  }

  /** The mapped domains served, lower case (a snapshot). */
  public Set<String> domains() {
    return Set.copyOf(domains.keySet());
  }

  /**
   * The route for a lower-case host as this client may see it, or null: the hosts of the cluster's
   * own domain ({@link #clusterHost}) are answered only to clients on this machine, and to others
   * they do not exist; then a mapped domain of that name, whoever asks.
   */
  HostRoute route(String host, boolean clientOnThisMachine) {
    HostRoute r = clientOnThisMachine || !clusterHost(host) ? hosts.get(host) : null;
    return r != null ? r : domains.get(host);
  }

  /**
   * Whether the host is under the cluster's own domain: {@code hello.default.svc.cluster.local},
   * {@code hello.default.svc} or the short {@code hello.default}.
   */
  static boolean clusterHost(String host) {
    int dot = host.indexOf('.');
    return host.endsWith("." + Route.CLUSTER_DOMAIN)
        || host.endsWith(".svc")
        || (dot > 0 && dot == host.lastIndexOf('.'));
  }

  /** One host's split: cumulative percents, picked with one random roll per request. */
  static final class HostRoute {
    private final NamespacedName[] revisions;
    private final int[] cumulative;

    private HostRoute(NamespacedName[] revisions, int[] cumulative) {
      this.revisions = revisions;
      this.cumulative = cumulative;
    }

    static HostRoute of(String host, List<Target> targets) {
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("routes[" + host + "]: no targets (expected: >= 1)");
      }
      NamespacedName[] revisions = new NamespacedName[targets.size()];
      int[] cumulative = new int[targets.size()];
      int sum = 0;
      for (int i = 0; i < revisions.length; i++) {
        Target t = targets.get(i);
        if (t.percent() < 0 || t.percent() > 100) {
          throw new IllegalArgumentException(
              "routes[" + host + "][" + i + "].percent: " + t.percent() + " (expected: 0..100)");
        }
        sum += t.percent();
        revisions[i] = t.revision();
        cumulative[i] = sum;
      }
      if (sum != 100) {
        throw new IllegalArgumentException(
            "routes[" + host + "]: percents sum to " + sum + " (expected: 100)");
      }
      return new HostRoute(revisions, cumulative);
    }

    /** The revision for a roll in 0..99. */
    NamespacedName pick(int roll) {
      for (int i = 0; i < cumulative.length; i++) {
        if (roll < cumulative[i]) {
          return revisions[i];
        }
      }
      return revisions[revisions.length - 1];
    }

    NamespacedName pick() {
      return revisions.length == 1 ? revisions[0] : pick(ThreadLocalRandom.current().nextInt(100));
    }
  }
}
