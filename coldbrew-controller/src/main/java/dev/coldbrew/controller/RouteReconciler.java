package dev.coldbrew.controller;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Addressable;
import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.model.TrafficTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Route → resolved traffic and routing entries. Each target resolves to a Ready revision: a named
 * one, or its configuration's latest ready one. Only when every target resolves does the Route take
 * the new split (status.traffic and the gateway's entries); until then the previous split keeps
 * serving, which is what makes a rollout lossless. Also marks the routing state of the revisions of
 * the configurations it routes to ({@code active}/{@code reserve}), which the autoscaler reads as
 * reachability.
 */
final class RouteReconciler extends KindReconciler<Route> {
  private final RoutePublisher publisher;

  /** What each resource of this kind references, to re-queue it on their changes. */
  private final References references = new References();

  RouteReconciler(ControllerContext ctx, Networking networking) {
    super(ctx, Kind.ROUTE);
    this.publisher = new RoutePublisher(networking);
  }

  /** The routes whose resolution depends on this configuration or revision. */
  Set<NamespacedName> routesReferencing(Resource r) {
    return references.of(r);
  }

  @Override
  protected void finalizeKind(NamespacedName key) {
    publisher.remove(key);
    references.clear(key);
  }

  @Override
  protected Duration reconcileKind(Route route) {
    NamespacedName key = NamespacedName.of(route);
    var st = route.status;
    String ns = route.metadata.namespace;
    boolean local = route.clusterLocal();
    st.url = local ? ctx.clusterUrl(route.metadata.name, ns) : ctx.url(route.metadata.name, ns);
    st.address = new Addressable(ctx.clusterUrl(route.metadata.name, ns));

    List<TrafficTarget> resolved = new ArrayList<>();
    Problem problem = null;
    String failedRevision = null;
    // A missing revision that gets no traffic (a tag naming a revision that does not exist) is
    // reported but does not hold back the rest of the split, as a missing one with traffic does.
    boolean blocked = false;
    Set<String> configs = new HashSet<>();
    references.clear(key);
    for (TrafficTarget t :
        route.spec.traffic == null ? List.<TrafficTarget>of() : route.spec.traffic) {
      TrafficTarget r = new TrafficTarget(t);
      r.configurationName = null;
      if (t.revisionName != null) {
        references.add(Kind.REVISION, ns, t.revisionName, key);
        Revision rev = ctx.<Revision>get(Kind.REVISION, ns, t.revisionName).orElse(null);
        if (rev == null) {
          blocked |= t.percent != null && t.percent > 0;
          problem =
              first(
                  problem,
                  true,
                  Route.RouteStatus.REVISION_MISSING,
                  "Revision \"" + t.revisionName + "\" referenced in traffic not found.");
          continue;
        }
        Condition ready = rev.status == null ? null : rev.status.condition(Status.READY);
        if (ready == null || !ready.isTrue()) {
          blocked = true;
          boolean failed = ready != null && ready.isFalse();
          problem =
              first(
                  problem,
                  failed,
                  failed ? Route.RouteStatus.REVISION_FAILED : Route.RouteStatus.REVISION_MISSING,
                  "Revision \"" + t.revisionName + "\" is not ready.");
          continue;
        }
        String cfg = rev.metadata.label(Labels.CONFIGURATION);
        if (cfg != null) {
          configs.add(cfg);
        }
      } else {
        String cfgName = t.configurationName;
        references.add(Kind.CONFIGURATION, ns, cfgName, key);
        configs.add(cfgName);
        Configuration cfg = ctx.<Configuration>get(Kind.CONFIGURATION, ns, cfgName).orElse(null);
        String latest =
            cfg == null || cfg.status == null ? null : cfg.status.latestReadyRevisionName;
        if (latest == null) {
          Condition c =
              cfg == null || cfg.status == null ? null : cfg.status.condition(Status.READY);
          boolean failed = c != null && c.isFalse();
          if (failed && failedRevision == null) {
            failedRevision = cfg.status.latestCreatedRevisionName;
          }
          blocked = true;
          problem =
              first(
                  problem,
                  failed,
                  failed ? Route.RouteStatus.REVISION_FAILED : Route.RouteStatus.REVISION_MISSING,
                  cfg == null
                      ? "Configuration \"" + cfgName + "\" referenced in traffic not found."
                      : failed
                          ? c.message
                          : "Configuration \""
                              + cfgName
                              + "\" is waiting for a Revision to become ready.");
          continue;
        }
        references.add(Kind.REVISION, ns, latest, key);
        r.revisionName = latest;
        r.latestRevision = true;
      }
      if (r.tag != null) {
        String host = r.tag + "-" + route.metadata.name;
        r.url = local ? ctx.clusterUrl(host, ns) : ctx.url(host, ns);
      }
      resolved.add(r);
    }
    if (!blocked) {
      st.traffic = merge(resolved);
      publisher.publish(key, hosts(route, st.traffic));
      markRoutingState(ns, configs, st.traffic);
    }
    if (problem == null) {
      st.markTrafficAssigned(ctx.clock());
    } else {
      st.markTrafficNotAssigned(problem.failed(), problem.reason(), problem.message(), ctx.clock());
      if (failedRevision != null && !publisher.isPublished(key)) {
        // Nothing ever served here: send the route's requests to the failed revision, which the
        // data plane refuses at once with its reason, rather than answering "no such host".
        TrafficTarget t = new TrafficTarget();
        t.revisionName = failedRevision;
        t.percent = 100L;
        publisher.publish(key, hosts(route, List.of(t)));
      }
    }
    if (publisher.isPublished(key)) {
      st.markIngressReady(ctx.clock());
    } else {
      st.markIngressNotReady(ctx.clock());
    }
    st.markCertificateNotRequired(ctx.clock());
    return null;
  }

  /** Why a target did not resolve: the first such target's. */
  private record Problem(boolean failed, String reason, String message) {}

  private static Problem first(Problem have, boolean failed, String reason, String message) {
    return have != null ? have : new Problem(failed, reason, message);
  }

  /** Identical (tag, revision, latestRevision) targets merged by adding percents. */
  static List<TrafficTarget> merge(List<TrafficTarget> targets) {
    Map<String, TrafficTarget> merged = new LinkedHashMap<>();
    for (TrafficTarget t : targets) {
      String k = t.tag + "|" + t.revisionName + "|" + t.latestRevision;
      TrafficTarget m = merged.get(k);
      if (m == null) {
        merged.put(k, new TrafficTarget(t));
      } else {
        m.percent = (m.percent == null ? 0 : m.percent) + (t.percent == null ? 0 : t.percent);
      }
    }
    return new ArrayList<>(merged.values());
  }

  /**
   * The route's hosts: its own with the split (0 % omitted), and one per tag at 100 %; each under
   * the public domain (unless the route is cluster-local) and under the cluster's, in its three
   * forms ({@code hello.default.svc.cluster.local}, {@code hello.default.svc}, {@code
   * hello.default}), which the gateway answers only to clients on this machine.
   */
  private Map<String, List<Networking.Split>> hosts(Route route, List<TrafficTarget> traffic) {
    String ns = route.metadata.namespace;
    Map<String, Long> split = new LinkedHashMap<>();
    Map<String, List<Networking.Split>> hosts = new HashMap<>();
    for (TrafficTarget t : traffic) {
      long p = t.percent == null ? 0 : t.percent;
      if (p > 0) {
        split.merge(t.revisionName, p, Long::sum);
      }
      if (t.tag != null) {
        List<Networking.Split> tagged =
            List.of(new Networking.Split(new NamespacedName(ns, t.revisionName), 100));
        hostNames(route, t.tag + "-" + route.metadata.name).forEach(h -> hosts.put(h, tagged));
      }
    }
    List<Networking.Split> main = new ArrayList<>();
    split.forEach((rev, p) -> main.add(new Networking.Split(new NamespacedName(ns, rev), p)));
    List<Networking.Split> all = List.copyOf(main);
    hostNames(route, route.metadata.name).forEach(h -> hosts.put(h, all));
    return hosts;
  }

  private List<String> hostNames(Route route, String name) {
    String local = name + "." + route.metadata.namespace;
    List<String> names =
        new ArrayList<>(List.of(local + "." + Route.CLUSTER_DOMAIN, local + ".svc", local));
    if (!route.clusterLocal()) {
      names.add(local + "." + ctx.domain());
    }
    return names;
  }

  /** active for revisions in the split, reserve for the other revisions of its configurations. */
  private void markRoutingState(String ns, Set<String> configs, List<TrafficTarget> traffic) {
    Set<String> routed = new HashSet<>();
    traffic.forEach(t -> routed.add(t.revisionName));
    for (String cfgName : configs) {
      Configuration cfg = ctx.<Configuration>get(Kind.CONFIGURATION, ns, cfgName).orElse(null);
      if (cfg == null) {
        continue;
      }
      List<Resource> revisions = ctx.cache().listOwnedBy(Kind.REVISION, cfg.metadata.uid);
      revisions.sort(Comparator.comparing(r -> r.metadata.name)); // writes in a stable order
      for (Resource r : revisions) {
        String want = routed.contains(r.metadata.name) ? "active" : "reserve";
        if (!want.equals(r.metadata.label(Labels.ROUTING_STATE))
            && !("reserve".equals(want)
                && "pending".equals(r.metadata.label(Labels.ROUTING_STATE))
                && isLatestCreated(cfg, r))) {
          Revision copy = (Revision) ResourceCodec.copy(r);
          copy.metadata.labels().put(Labels.ROUTING_STATE, want);
          copy.metadata
              .annotations()
              .put(Labels.ROUTING_STATE_MODIFIED, ConfigurationReconciler.routingStateNow(ctx));
          ctx.store().update(copy);
        }
      }
    }
  }

  private static boolean isLatestCreated(Configuration cfg, Resource rev) {
    return cfg.status != null && rev.metadata.name.equals(cfg.status.latestCreatedRevisionName);
  }
}
