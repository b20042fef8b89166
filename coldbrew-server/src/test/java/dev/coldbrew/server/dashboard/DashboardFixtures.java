package dev.coldbrew.server.dashboard;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Container;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.model.TrafficTarget;
import dev.coldbrew.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Writes what the dashboard reads straight into a store, as the controller would leave it: a
 * Service with its status (URL, Ready, traffic), and per revision the Revision (labelled with its
 * service), its PodAutoscaler with desired/actual scale and its SKS. Writes are pipelined, so
 * thousands of services go in within seconds.
 */
final class DashboardFixtures {
  private DashboardFixtures() {}

  /** Writes {@code count} services named {@code svc-00000...}, one revision each, and waits. */
  static void services(Store store, String namespace, int count) {
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = String.format("svc-%05d", i);
      writes.add(service(store, namespace, name, List.of(name + "-00001"), 100));
      if (writes.size() >= 256) {
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        writes.clear();
      }
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
  }

  /**
   * A Service and its revisions; the last revision gets {@code latestPercent} of the traffic and
   * the one before it the rest (tagged {@code previous}).
   */
  static CompletableFuture<?> service(
      Store store, String namespace, String name, List<String> revisions, int latestPercent) {
    Service s = new Service();
    s.metadata.namespace = namespace;
    s.metadata.name = name;
    Container c = new Container();
    c.command = List.of("app");
    s.spec.template.spec.containers = List.of(c);
    CompletableFuture<?> svc =
        store
            .createAsync(s)
            .thenCompose(
                created -> {
                  Service st = (Service) created;
                  st.status = new Service.ServiceStatus();
                  st.status.url = "http://" + name + "." + namespace + ".localhost:8080";
                  st.status.conditions =
                      new ArrayList<>(
                          List.of(new Condition(Status.READY, "False", "RevisionFailed", "boom")));
                  st.status.traffic = new ArrayList<>();
                  String latest = revisions.get(revisions.size() - 1);
                  st.status.traffic.add(target(latest, latestPercent, null));
                  if (latestPercent < 100 && revisions.size() > 1) {
                    st.status.traffic.add(
                        target(
                            revisions.get(revisions.size() - 2), 100 - latestPercent, "previous"));
                  }
                  return store.updateStatusAsync(st);
                });
    List<CompletableFuture<?>> all = new ArrayList<>(List.of(svc));
    for (int i = 0; i < revisions.size(); i++) {
      all.add(revision(store, namespace, name, revisions.get(i), i + 1, i % 2 == 0));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  private static TrafficTarget target(String revision, int percent, String tag) {
    TrafficTarget t = new TrafficTarget();
    t.revisionName = revision;
    t.percent = (long) percent;
    t.tag = tag;
    return t;
  }

  /** A Revision labelled with its service, its PA (desired {@code n}, actual {@code n-1}), SKS. */
  static CompletableFuture<?> revision(
      Store store, String namespace, String service, String name, int n, boolean serve) {
    Revision r = new Revision();
    r.metadata.namespace = namespace;
    r.metadata.name = name;
    r.metadata.labels().put("serving.knative.dev/service", service);
    r.metadata.labels().put("serving.knative.dev/configuration", service);
    Container c = new Container();
    c.command = List.of("app");
    r.spec.containers = List.of(c);
    return store
        .createAsync(r)
        .thenCompose(
            created -> {
              Revision rev = (Revision) created;
              rev.status = new Revision.RevisionStatus();
              rev.status.conditions =
                  new ArrayList<>(
                      List.of(
                          new Condition(
                              Status.READY, n % 2 == 0 ? "True" : "Unknown", null, null)));
              PodAutoscaler pa = new PodAutoscaler();
              owned(pa, rev);
              ServerlessService sks = new ServerlessService();
              owned(sks, rev);
              sks.spec.mode = serve ? SksMode.SERVE : SksMode.PROXY;
              return CompletableFuture.allOf(
                  store.updateStatusAsync(rev),
                  store.createAsync(sks),
                  store
                      .createAsync(pa)
                      .thenCompose(
                          p -> {
                            PodAutoscaler withStatus = (PodAutoscaler) p;
                            withStatus.status = new PodAutoscaler.PodAutoscalerStatus();
                            withStatus.status.desiredScale = n;
                            withStatus.status.actualScale = n - 1;
                            return store.updateStatusAsync(withStatus);
                          }));
            });
  }

  private static void owned(Resource child, Revision owner) {
    child.metadata.namespace = owner.metadata.namespace;
    child.metadata.name = owner.metadata.name;
    child.metadata.ownerReferences().add(OwnerReference.controllerOf(owner));
  }
}
