package dev.coldbrew.kubernetes;

import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a ServerlessService writes as its Revision's public endpoints: EndpointSlices of the public
 * (selector-less) Service, listing the activators in Proxy mode and the Revision's ready pods in
 * Serve mode, with Knative's overrides: no ready pod forces Proxy (never route to nothing), no
 * ready activator forces Serve. In Proxy mode only {@code spec.numActivators} activators are
 * listed, the same consistent subset Knative picks ({@link ActivatorSubset}; 0 means all).
 *
 * <p>Slices hold at most {@value #MAX_PER_SLICE} endpoints, one address family each, and are named
 * {@code <sks>-<ipv4|ipv6>-<n>} so a reconcile is idempotent without generated names; an IPv4 slice
 * is always written, empty if need be, so stale addresses never survive a flip. Labels: {@code
 * kubernetes.io/service-name} (how kube-proxy and gateways join slices to the Service), {@code
 * endpointslice.kubernetes.io/managed-by: sks.coldbrew.dev} (not a built-in controller's value, so
 * none fights over them) and the SKS's own. Ports are named as the public Service's: {@code http}
 * (or {@code http2}) on the queue's serving port, {@code https} on 8112. For {@code kubectl get ep}
 * the same set can be rendered as v1 Endpoints that the mirroring controller skips ({@link
 * Result#endpoints()}). Pure functions; thread-safe.
 */
public final class PublicEndpointSlices {
  /** Knative's cap is the API's 1000; 100 keeps each slice update small. */
  public static final int MAX_PER_SLICE = 100;

  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  public static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "sks.coldbrew.dev";
  public static final String SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";

  private PublicEndpointSlices() {}

  /**
   * The public endpoints and the mode they put the Revision in.
   *
   * @param mode the effective mode
   * @param readyPods ready addresses found in the private slices
   * @param readyActivators ready addresses found in the activator's slices
   * @param slices the slices to write, in name order
   */
  public record Result(
      ServerlessService sks,
      SksMode mode,
      int readyPods,
      int readyActivators,
      List<EndpointSlice> slices) {

    /** The listed addresses, in order. */
    public List<String> addresses() {
      List<String> out = new ArrayList<>();
      for (EndpointSlice s : slices) {
        for (Endpoint e : s.getEndpoints()) {
          out.addAll(e.getAddresses());
        }
      }
      return out;
    }

    /**
     * The same addresses as a v1 Endpoints {@code <rev>}, labelled so that the EndpointSlice
     * mirroring controller leaves it alone (the slices above already exist).
     */
    public Endpoints endpoints() {
      Map<String, String> labels = RevisionServices.labels(sks, RevisionServices.PUBLIC);
      labels.put(SKIP_MIRROR_LABEL, "true");
      List<EndpointAddress> addresses = new ArrayList<>();
      for (EndpointSlice s : slices) {
        for (Endpoint e : s.getEndpoints()) {
          for (String ip : e.getAddresses()) {
            addresses.add(
                new EndpointAddressBuilder()
                    .withIp(ip)
                    .withNodeName(e.getNodeName())
                    .withTargetRef(e.getTargetRef())
                    .build());
          }
        }
      }
      EndpointsBuilder b =
          new EndpointsBuilder()
              .withNewMetadata()
              .withName(sks.metadata.name)
              .withNamespace(sks.metadata.namespace)
              .withLabels(labels)
              .withOwnerReferences(RevisionDeployment.controllerRef(sks))
              .endMetadata();
      if (!addresses.isEmpty()) {
        b.addNewSubset()
            .withAddresses(addresses)
            .withPorts(
                new io.fabric8.kubernetes.api.model.EndpointPortBuilder()
                    .withName(RevisionServices.portName(sks))
                    .withPort(RevisionServices.targetPort(sks))
                    .withProtocol("TCP")
                    .withAppProtocol(RevisionServices.appProtocol(sks))
                    .build(),
                new io.fabric8.kubernetes.api.model.EndpointPortBuilder()
                    .withName("https")
                    .withPort(RevisionDeployment.QUEUE_HTTPS_PORT)
                    .withProtocol("TCP")
                    .build())
            .endSubset();
      }
      return b.build();
    }
  }

  /**
   * Renders the public slices of {@code sks}.
   *
   * @param activatorSlices the slices of the activator's Service
   * @param privateSlices the slices of the Revision's private Service
   */
  public static Result render(
      ServerlessService sks,
      List<EndpointSlice> activatorSlices,
      List<EndpointSlice> privateSlices) {
    List<Endpoint> pods = ready(privateSlices);
    List<Endpoint> activators = ready(activatorSlices);
    SksMode mode = sks.spec.mode == SksMode.SERVE ? SksMode.SERVE : SksMode.PROXY;
    if (pods.isEmpty()) {
      mode = SksMode.PROXY;
    }
    if (activators.isEmpty()) {
      mode = SksMode.SERVE;
    }
    List<Endpoint> chosen;
    if (mode == SksMode.SERVE) {
      chosen = pods;
    } else {
      Set<String> ips = new TreeSet<>();
      activators.forEach(e -> ips.add(e.getAddresses().get(0)));
      int n = sks.spec.numActivators == null ? 0 : sks.spec.numActivators;
      Set<String> subset = ActivatorSubset.choose(ips, n, sks.metadata.name);
      chosen = activators.stream().filter(e -> subset.contains(e.getAddresses().get(0))).toList();
    }
    return new Result(sks, mode, pods.size(), activators.size(), slices(sks, chosen));
  }

  /** The ready endpoints of {@code slices}, one per address, sorted by address. */
  static List<Endpoint> ready(List<EndpointSlice> slices) {
    Map<String, Endpoint> byAddress = new LinkedHashMap<>();
    for (EndpointSlice s : slices) {
      if (s.getEndpoints() == null) {
        continue;
      }
      for (Endpoint e : s.getEndpoints()) {
        if (isReady(e) && e.getAddresses() != null && !e.getAddresses().isEmpty()) {
          byAddress.putIfAbsent(e.getAddresses().get(0), e);
        }
      }
    }
    List<Endpoint> out = new ArrayList<>(byAddress.values());
    out.sort(Comparator.comparing(e -> e.getAddresses().get(0)));
    return out;
  }

  /** Ready unless its conditions say {@code ready: false} (unknown counts as ready). */
  static boolean isReady(Endpoint e) {
    return e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady());
  }

  private static List<EndpointSlice> slices(ServerlessService sks, List<Endpoint> endpoints) {
    List<Endpoint> v4 = new ArrayList<>();
    List<Endpoint> v6 = new ArrayList<>();
    for (Endpoint e : endpoints) {
      (e.getAddresses().get(0).contains(":") ? v6 : v4).add(e);
    }
    List<EndpointSlice> out = new ArrayList<>();
    chunk(sks, "IPv4", v4, out);
    if (!v6.isEmpty()) {
      chunk(sks, "IPv6", v6, out);
    }
    return out;
  }

  private static void chunk(
      ServerlessService sks, String family, List<Endpoint> endpoints, List<EndpointSlice> out) {
    int n = 0;
    int from = 0;
    do {
      int to = Math.min(endpoints.size(), from + MAX_PER_SLICE);
      out.add(slice(sks, family, n++, endpoints.subList(from, to)));
      from = to;
    } while (from < endpoints.size());
  }

  /** The name of the {@code n}th slice of an address family. */
  public static String sliceName(ServerlessService sks, String family, int n) {
    return sks.metadata.name + "-" + family.toLowerCase(java.util.Locale.ROOT) + "-" + n;
  }

  private static EndpointSlice slice(
      ServerlessService sks, String family, int n, List<Endpoint> endpoints) {
    Map<String, String> labels = RevisionServices.labels(sks, RevisionServices.PUBLIC);
    labels.put(SERVICE_NAME_LABEL, sks.metadata.name);
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    List<Endpoint> copies = new ArrayList<>();
    for (Endpoint e : endpoints) {
      copies.add(
          new EndpointBuilder()
              .withAddresses(e.getAddresses().get(0))
              .withNewConditions()
              .withReady(true)
              .withServing(true)
              .withTerminating(false)
              .endConditions()
              .withNodeName(e.getNodeName())
              .withZone(e.getZone())
              .withTargetRef(e.getTargetRef())
              .build());
    }
    List<EndpointPort> ports =
        List.of(
            new EndpointPortBuilder()
                .withName(RevisionServices.portName(sks))
                .withPort(RevisionServices.targetPort(sks))
                .withProtocol("TCP")
                .withAppProtocol(RevisionServices.appProtocol(sks))
                .build(),
            new EndpointPortBuilder()
                .withName("https")
                .withPort(RevisionDeployment.QUEUE_HTTPS_PORT)
                .withProtocol("TCP")
                .build());
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(sliceName(sks, family, n))
        .withNamespace(sks.metadata.namespace)
        .withLabels(labels)
        .withOwnerReferences(RevisionDeployment.controllerRef(sks))
        .endMetadata()
        .withAddressType(family)
        .withEndpoints(copies)
        .withPorts(ports)
        .build();
  }
}
