package dev.coldbrew.controller;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Endpoints;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The embedded engine's {@link SksEndpoints}: tells the data plane the mode ({@code
 * Networking.modeChanged}), then writes two {@code Endpoints} into the store, {@code <rev>-private}
 * (the ready instances) and {@code <rev>} (the activator in Proxy mode, the instances in Serve
 * mode), both owned by the SKS. Thread-safe (stateless over a thread-safe store and data plane).
 */
final class StoreSksEndpoints implements SksEndpoints {
  private final ControllerContext ctx;
  private final Networking networking;

  StoreSksEndpoints(ControllerContext ctx, Networking networking) {
    this.ctx = ctx;
    this.networking = networking;
  }

  @Override
  public Published publish(ServerlessService sks, RevisionInstances instances) {
    NamespacedName key = NamespacedName.of(sks);
    List<String> ready = new ArrayList<>();
    for (Instance i : instances.ready()) {
      ready.add(i.address());
    }
    boolean serve = sks.spec.mode == SksMode.SERVE && !ready.isEmpty();
    SksMode mode = serve ? SksMode.SERVE : SksMode.PROXY;
    networking.modeChanged(key, mode);
    List<String> activators = networking.activatorEndpoints();
    writeEndpoints(sks, Names.child(key.name(), "-private"), ready, "Private");
    writeEndpoints(sks, key.name(), serve ? ready : activators, "Public");
    return new Published(mode, ready.size(), activators.size());
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
