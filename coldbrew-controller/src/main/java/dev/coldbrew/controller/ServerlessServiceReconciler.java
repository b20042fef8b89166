package dev.coldbrew.controller;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.InstanceRuntime;
import java.time.Duration;

/**
 * ServerlessService → the revision's endpoints and the data plane's mode, published by the engine's
 * {@link SksEndpoints}: the activator in Proxy mode, the ready instances in Serve mode — forced to
 * Proxy while no instance is ready, as Knative's SKS reconciler does — and the SKS's status from
 * what was published. The embedded engine's endpoints are {@code Endpoints} in the store ({@link
 * StoreSksEndpoints}).
 */
final class ServerlessServiceReconciler extends KindReconciler<ServerlessService> {
  private final InstanceRuntime runtime;
  private final SksEndpoints endpoints;

  ServerlessServiceReconciler(
      ControllerContext ctx, InstanceRuntime runtime, SksEndpoints endpoints) {
    super(ctx, Kind.SERVERLESS_SERVICE);
    this.runtime = runtime;
    this.endpoints = endpoints;
  }

  @Override
  protected Duration reconcileKind(ServerlessService sks) {
    NamespacedName key = NamespacedName.of(sks);
    SksEndpoints.Published published = endpoints.publish(sks, runtime.instances(key));
    var st = sks.status;
    st.serviceName = key.name();
    st.privateServiceName = Names.child(key.name(), "-private");
    if (published.readyInstances() == 0) {
      st.markEndpointsNotReady(ctx.clock());
    } else {
      st.markEndpointsPopulated(ctx.clock());
    }
    if (published.mode() == SksMode.SERVE) {
      st.markActivatorEndpointsRemoved(ctx.clock());
    } else {
      st.markActivatorEndpointsPopulated(ctx.clock());
    }
    return null;
  }
}
