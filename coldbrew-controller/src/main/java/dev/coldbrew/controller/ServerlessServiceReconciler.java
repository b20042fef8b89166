package dev.coldbrew.controller;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Endpoints;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.InstanceRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * ServerlessService → the revision's two endpoint sets and the data plane's mode: {@code
 * <rev>-private} lists the ready instances; {@code <rev>} (public) lists the activator in Proxy
 * mode and the instances in Serve mode — forced to Proxy while no instance is ready, as Knative's
 * SKS reconciler does.
 */
final class ServerlessServiceReconciler extends KindReconciler<ServerlessService> {
  private final InstanceRuntime runtime;
  private final Networking networking;

  ServerlessServiceReconciler(
      ControllerContext ctx, InstanceRuntime runtime, Networking networking) {
    super(ctx, Kind.SERVERLESS_SERVICE);
    this.runtime = runtime;
    this.networking = networking;
  }

  @Override
  protected Duration reconcileKind(ServerlessService sks) {
    NamespacedName key = NamespacedName.of(sks);
    List<String> ready = new ArrayList<>();
    for (Instance i : runtime.instances(key).ready()) {
      ready.add(i.address());
    }
    boolean serve = sks.spec.mode == SksMode.SERVE && !ready.isEmpty();
    networking.modeChanged(key, serve ? SksMode.SERVE : SksMode.PROXY);
    writeEndpoints(sks, key.name() + "-private", ready, "Private");
    writeEndpoints(sks, key.name(), serve ? ready : networking.activatorEndpoints(), "Public");

    var st = sks.status;
    st.serviceName = key.name();
    st.privateServiceName = key.name() + "-private";
    if (ready.isEmpty()) {
      st.markEndpointsNotReady(ctx.clock());
    } else {
      st.markEndpointsPopulated(ctx.clock());
    }
    if (serve) {
      st.markActivatorEndpointsRemoved(ctx.clock());
    } else {
      st.markActivatorEndpointsPopulated(ctx.clock());
    }
    return null;
  }

  private void writeEndpoints(
      ServerlessService sks, String name, List<String> addresses, String type) {
    Endpoints want = desiredEndpoints(sks, name, addresses, type);
    Optional<Endpoints> have = ctx.get(Kind.ENDPOINTS, sks.metadata.namespace, name);
    if (have.isEmpty()) {
      ctx.store().create(want);
    } else if (!Objects.equals(have.get().addresses(), want.addresses())) {
      Endpoints update = ResourceCodec.copy(have.get());
      update.subsets = want.subsets;
      ctx.store().update(update);
    }
  }

  /**
   * One of the SKS's endpoint sets, owned by it: {@code addresses} ({@code host:port}) as one
   * subset each, labelled with the SKS and {@code type} ({@code Public} or {@code Private}).
   */
  static Endpoints desiredEndpoints(
      ServerlessService sks, String name, List<String> addresses, String type) {
    Endpoints want = new Endpoints();
    want.metadata.name = name;
    want.metadata.namespace = sks.metadata.namespace;
    var labels = new LinkedHashMap<String, String>();
    labels.put(Labels.SKS, sks.metadata.name);
    labels.put(Labels.SERVICE_TYPE, type);
    want.metadata.labels = labels;
    want.metadata.ownerReferences = new ArrayList<>(List.of(OwnerReference.controllerOf(sks)));
    List<Endpoints.Subset> subsets = new ArrayList<>();
    for (String a : addresses) {
      int colon = a.lastIndexOf(':');
      Endpoints.Subset s = new Endpoints.Subset();
      Endpoints.Address addr = new Endpoints.Address();
      addr.ip = a.substring(0, colon);
      Endpoints.Port port = new Endpoints.Port();
      port.name = "http";
      port.port = Integer.parseInt(a.substring(colon + 1));
      port.protocol = "TCP";
      s.addresses = List.of(addr);
      s.ports = List.of(port);
      subsets.add(s);
    }
    want.subsets = subsets.isEmpty() ? null : subsets;
    return want;
  }
}
