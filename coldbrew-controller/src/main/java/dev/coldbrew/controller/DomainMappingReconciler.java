package dev.coldbrew.controller;

import dev.coldbrew.api.model.Addressable;
import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.TrafficTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DomainMapping → its domain in the gateway, serving its target's traffic (Knative's {@code
 * reconciler/domainmapping}).
 *
 * <p><b>Claim.</b> A domain is served for one namespace at a time. Knative records the claim as a
 * cluster-scoped ClusterDomainClaim; here the claim is the holder's own {@code DomainClaimed=True}
 * condition, so it survives restarts without another kind: of the mappings with this name, the one
 * whose status says it holds the domain keeps it (the oldest, should two say so), and when none
 * does, the oldest (creation time, then namespace) takes it. The others are {@code
 * DomainClaimed=False, DomainAlreadyClaimed}; deleting the holder re-queues them ({@link
 * #mappingsOfDomain}), and the next oldest takes the domain.
 *
 * <p><b>Reference.</b> {@code spec.ref} names a Service (served through its Route, of the same
 * name) or a Route of the mapping's namespace. It resolves when that Route has traffic: the split
 * in its {@code status.traffic}, which is what the Route's own host serves. A missing target, or
 * one with no traffic yet, is {@code ReferenceResolved=False, ResolveFailed}; the mapping is not
 * deleted, and the target's changes re-queue it ({@link #mappingsReferencing}).
 *
 * <p><b>Publishing.</b> A claimed and resolved mapping's domain is sent to {@link
 * Networking#domainsChanged} with the Route's split (requests reaching a Revision at zero go
 * through the activator, as the Route's own do); otherwise, and when the mapping is deleted, the
 * domain is removed if this mapping had published it. Thread-safe: publishing is serialized, the
 * rest is per key.
 */
final class DomainMappingReconciler extends KindReconciler<DomainMapping> {
  private static final Comparator<Resource> OLDEST_FIRST =
      Comparator.comparing(
              (Resource r) ->
                  r.metadata.creationTimestamp == null ? "" : r.metadata.creationTimestamp)
          .thenComparing(r -> r.metadata.namespace);

  private final Networking networking;

  /** domain → the mapping it is published for, and the split; guarded by this. */
  private final Map<String, Published> published = new HashMap<>();

  /** What each resource of this kind references, to re-queue it on their changes. */
  private final References references = new References();

  private record Published(NamespacedName mapping, List<Networking.Split> split) {}

  DomainMappingReconciler(ControllerContext ctx, Networking networking) {
    super(ctx, Kind.DOMAIN_MAPPING);
    this.networking = networking;
  }

  /** The mappings whose target is this Service or Route. */
  Set<NamespacedName> mappingsReferencing(Resource r) {
    return references.of(r);
  }

  /** Every mapping of this domain, in any namespace (a claim may pass between them). */
  List<NamespacedName> mappingsOfDomain(String domain) {
    List<NamespacedName> out = new ArrayList<>();
    for (Resource r : ctx.cache().list(Kind.DOMAIN_MAPPING, null)) {
      if (r.metadata.name.equals(domain)) {
        out.add(NamespacedName.of(r));
      }
    }
    return out;
  }

  @Override
  protected Duration reconcileKind(DomainMapping dm) {
    NamespacedName key = NamespacedName.of(dm);
    String domain = dm.metadata.name;
    var st = dm.status;
    st.url = "http://" + domain + (ctx.gatewayPort() == 80 ? "" : ":" + ctx.gatewayPort());
    st.address = new Addressable(st.url);

    boolean claimed = holdsClaim(dm);
    if (claimed) {
      st.markDomainClaimed(ctx.clock());
    } else {
      st.markDomainClaimNotOwned(ctx.clock());
    }
    List<Networking.Split> split = resolve(dm);
    if (claimed && split != null) {
      publish(domain, key, split);
      st.markIngressReady(ctx.clock());
    } else {
      unpublish(domain, key);
      st.markIngressNotConfigured(ctx.clock());
    }
    st.markCertificateNotRequired(ctx.clock());
    return null;
  }

  @Override
  protected void finalizeKind(NamespacedName key) {
    unpublish(key.name(), key);
    references.clear(key);
  }

  /** Whether {@code dm} holds its domain (see the class comment). */
  private boolean holdsClaim(DomainMapping dm) {
    List<Resource> same = new ArrayList<>();
    List<Resource> holders = new ArrayList<>();
    for (Resource r : ctx.cache().list(Kind.DOMAIN_MAPPING, null)) {
      if (r.metadata.name.equals(dm.metadata.name)) {
        same.add(r);
        if (r.status() != null
            && r.status().isTrue(DomainMapping.DomainMappingStatus.DOMAIN_CLAIMED)) {
          holders.add(r);
        }
      }
    }
    List<Resource> candidates = holders.isEmpty() ? same : holders;
    return candidates.stream()
        .min(OLDEST_FIRST)
        .map(r -> r.metadata.namespace.equals(dm.metadata.namespace))
        .orElse(true); // not in the cache yet: nobody else is either
  }

  /**
   * The split the target's Route serves, or null (with {@code ReferenceResolved=False} and why);
   * records what the mapping depends on.
   */
  private List<Networking.Split> resolve(DomainMapping dm) {
    NamespacedName key = NamespacedName.of(dm);
    var st = dm.status;
    var ref = dm.spec == null ? null : dm.spec.ref;
    String ns = dm.metadata.namespace;
    boolean service = ref != null && Kind.SERVICE.kindName().equals(ref.kind);
    references.clear(key);
    if (ref == null || ref.name == null) { // only a write that bypassed validation (kubectl)
      st.markReferenceNotResolved("spec.ref names no Service or Route.", ctx.clock());
      return null;
    }
    if (service) {
      references.add(Kind.SERVICE, ns, ref.name, key);
    }
    references.add(Kind.ROUTE, ns, ref.name, key);
    String target = ref.kind + " \"" + ref.name + "\"";
    if (service && ctx.get(Kind.SERVICE, ns, ref.name).isEmpty()) {
      st.markReferenceNotResolved(target + " not found.", ctx.clock());
      return null;
    }
    Route route = ctx.<Route>get(Kind.ROUTE, ns, ref.name).orElse(null);
    if (route == null) {
      st.markReferenceNotResolved(
          service ? target + " has no Route yet." : target + " not found.", ctx.clock());
      return null;
    }
    Map<String, Long> percents = new LinkedHashMap<>();
    if (route.status != null && route.status.traffic != null) {
      for (TrafficTarget t : route.status.traffic) {
        if (t.revisionName != null && t.percent != null && t.percent > 0) {
          percents.merge(t.revisionName, t.percent, Long::sum);
        }
      }
    }
    if (percents.isEmpty()) {
      st.markReferenceNotResolved(
          target + " has no ready traffic target yet, so no address to map to.", ctx.clock());
      return null;
    }
    st.markReferenceResolved(ctx.clock());
    List<Networking.Split> split = new ArrayList<>();
    percents.forEach((rev, p) -> split.add(new Networking.Split(new NamespacedName(ns, rev), p)));
    return List.copyOf(split);
  }

  private synchronized void publish(
      String domain, NamespacedName mapping, List<Networking.Split> split) {
    Published had = published.put(domain, new Published(mapping, split));
    if (had == null || !had.split().equals(split)) {
      networking.domainsChanged(Map.of(domain, split), Set.of());
    }
  }

  private synchronized void unpublish(String domain, NamespacedName mapping) {
    Published had = published.get(domain);
    if (had != null && had.mapping().equals(mapping)) {
      published.remove(domain);
      networking.domainsChanged(Map.of(), Set.of(domain));
    }
  }
}
