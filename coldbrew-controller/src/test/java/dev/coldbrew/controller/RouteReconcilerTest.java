package dev.coldbrew.controller;

import static dev.coldbrew.controller.TableTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Configuration.ConfigurationStatus;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Route.RouteStatus;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.store.FaultyStore.Op;
import dev.coldbrew.store.StoreException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link RouteReconciler}: one reconcile per row (see {@link TableTest}), and two tests of what a
 * Route remembers between reconciles (the hosts it published).
 */
class RouteReconcilerTest {
  private static final String STATUS = "updateStatus Route default/hello";
  private static final String HOST = "hello.default.localhost";

  private static RouteStatus status(TableTest t) {
    return t.<Route>get(Kind.ROUTE, "hello").status;
  }

  private static Condition condition(TableTest t, String type) {
    return status(t).condition(type);
  }

  private static void assertAssigned(TableTest t, String status, String reason, String message) {
    Condition assigned = condition(t, RouteStatus.ALL_TRAFFIC_ASSIGNED);
    assertThat(assigned.status).isEqualTo(status);
    assertThat(assigned.reason).isEqualTo(reason);
    assertThat(assigned.message).isEqualTo(message);
  }

  private static String routingState(TableTest t, String revision) {
    return t.<Revision>get(Kind.REVISION, revision).metadata.label(Labels.ROUTING_STATE);
  }

  /**
   * The hello Service's Configuration with {@code revisions} stamped (generation by generation),
   * the first {@code ready} of them Ready, latest created the last one; the Route as the Service
   * makes it, with {@code traffic} when given.
   */
  private static void world(
      TableTest t, int revisions, int ready, String traffic, boolean configurationFailed) {
    Service svc = Given.service(t, Given.hello("World", traffic));
    Configuration cfg = Given.configuration(t, svc);
    String latestReady = null;
    String latestCreated = null;
    for (int i = 1; i <= revisions; i++) {
      if (i > 1) {
        cfg.spec.template.spec.container().env.get(0).value = "World" + i;
        cfg = (Configuration) t.memory.update(cfg);
      }
      Revision rev = ConfigurationReconciler.stamp(cfg, ConfigurationReconciler.revisionName(cfg));
      if (i <= ready) {
        rev.status = Given.readyRevision(t.clock);
        latestReady = rev.metadata.name;
      }
      t.seed(rev);
      latestCreated = rev.metadata.name;
    }
    ConfigurationStatus st = new ConfigurationStatus();
    st.latestCreatedRevisionName = latestCreated;
    if (configurationFailed) {
      st.markLatestCreatedFailed(latestCreated, "boom", t.clock);
    } else if (latestReady != null && latestReady.equals(latestCreated)) {
      st.markLatestReady(latestReady, t.clock);
    } else {
      st.latestReadyRevisionName = latestReady;
      st.markLatestCreatedNotReady("hello", null, t.clock);
    }
    st.observedGeneration = cfg.metadata.generation;
    cfg.status = st;
    t.memory.updateStatus(cfg);
    Given.route(t, svc);
  }

  private static List<Split> splits(TableTest t, String host) {
    List<Split> out = new ArrayList<>();
    t.net.hosts.get(host).forEach(s -> out.add(new Split(s.revision().name(), s.percent())));
    return out;
  }

  private record Split(String revision, long percent) {}

  @TestFactory
  Stream<DynamicTest> table() {
    return TableTest.table(
        t -> new RouteReconciler(t.ctx, t.net),
        row("the configuration's latest ready revision takes all traffic and is marked active")
            .given(t -> world(t, 1, 1, "", false))
            .key("hello")
            .writes("update Revision default/hello-00001", STATUS)
            .networking("routesChanged {" + HOST + "=[default/hello-00001 100]} removed []")
            .then(
                t -> {
                  RouteStatus st = status(t);
                  assertThat(st.url).isEqualTo("http://hello.default.localhost:8080");
                  assertThat(st.address.url)
                      .isEqualTo("http://hello.default.svc.cluster.local:8080");
                  assertThat(t.net.deltas.get(0).set())
                      .as("the public host and the cluster's three forms, each with the split")
                      .containsOnlyKeys(
                          HOST,
                          "hello.default.svc.cluster.local",
                          "hello.default.svc",
                          "hello.default")
                      .allSatisfy((h, split) -> assertThat(split).isEqualTo(t.net.hosts.get(HOST)));
                  assertThat(st.traffic)
                      .singleElement()
                      .satisfies(
                          x -> {
                            assertThat(x.revisionName).isEqualTo("hello-00001");
                            assertThat(x.percent).isEqualTo(100);
                            assertThat(x.latestRevision).isTrue();
                            assertThat(x.configurationName).isNull();
                          });
                  for (String type :
                      List.of(
                          RouteStatus.ALL_TRAFFIC_ASSIGNED,
                          RouteStatus.INGRESS_READY,
                          RouteStatus.CERTIFICATE_PROVISIONED,
                          Status.READY)) {
                    assertThat(condition(t, type).status).as(type).isEqualTo(Condition.TRUE);
                  }
                  assertThat(condition(t, RouteStatus.CERTIFICATE_PROVISIONED).reason)
                      .isEqualTo("TLSNotEnabled");
                  assertThat(routingState(t, "hello-00001")).isEqualTo("active");
                }),
        row("a newer revision that is not ready takes no traffic and stays pending")
            .given(t -> world(t, 2, 1, "", false))
            .key("hello")
            .writes("update Revision default/hello-00001", STATUS)
            .networking("routesChanged {" + HOST + "=[default/hello-00001 100]} removed []")
            .then(t -> assertThat(routingState(t, "hello-00002")).isEqualTo("pending")),
        row("a split with tags: one host per tag at 100 %, the rest of the revisions reserve")
            .given(
                t ->
                    world(
                        t,
                        3,
                        3,
                        """
                          traffic:
                            - {revisionName: hello-00001, percent: 50, tag: one}
                            - {latestRevision: true, percent: 50, tag: latest}
                        """,
                        false))
            .key("hello")
            .writes(
                "update Revision default/hello-00001",
                "update Revision default/hello-00002",
                "update Revision default/hello-00003",
                STATUS)
            .networking(
                "routesChanged {"
                    + HOST
                    + "=[default/hello-00001 50, default/hello-00003 50],"
                    + " latest-hello.default.localhost=[default/hello-00003 100],"
                    + " one-hello.default.localhost=[default/hello-00001 100]} removed []")
            .then(
                t -> {
                  assertThat(status(t).traffic)
                      .extracting(x -> x.revisionName + " " + x.percent + " " + x.url)
                      .containsExactly(
                          "hello-00001 50 http://one-hello.default.localhost:8080",
                          "hello-00003 50 http://latest-hello.default.localhost:8080");
                  assertThat(routingState(t, "hello-00002")).isEqualTo("reserve");
                }),
        row("cluster-local: the cluster's URLs, and no host on the public domain")
            .given(
                t -> {
                  world(
                      t,
                      2,
                      2,
                      """
                        traffic:
                          - {revisionName: hello-00001, percent: 100, tag: one}
                      """,
                      false);
                  Route r = (Route) t.memory.get(Kind.ROUTE, "default", "hello").orElseThrow();
                  r.metadata.labels().put(Route.VISIBILITY_LABEL, Route.CLUSTER_LOCAL);
                  t.memory.update(r);
                })
            .key("hello")
            .writes("update Revision default/hello-00001", STATUS)
            .networking("routesChanged {} removed []")
            .then(
                t -> {
                  assertThat(status(t).url)
                      .isEqualTo("http://hello.default.svc.cluster.local:8080");
                  assertThat(status(t).traffic)
                      .extracting(x -> x.url)
                      .containsExactly("http://one-hello.default.svc.cluster.local:8080");
                  assertThat(t.net.deltas.get(0).set())
                      .containsOnlyKeys(
                          "hello.default.svc.cluster.local",
                          "hello.default.svc",
                          "hello.default",
                          "one-hello.default.svc.cluster.local",
                          "one-hello.default.svc",
                          "one-hello.default");
                }),
        row("no ready revision yet: nothing is published and the Route waits")
            .given(t -> world(t, 1, 0, "", false))
            .key("hello")
            .writes(STATUS)
            .networking()
            .then(
                t -> {
                  assertAssigned(
                      t,
                      Condition.UNKNOWN,
                      "RevisionMissing",
                      "Configuration \"hello\" is waiting for a Revision to become ready.");
                  Condition ingress = condition(t, RouteStatus.INGRESS_READY);
                  assertThat(ingress.status).isEqualTo(Condition.UNKNOWN);
                  assertThat(ingress.reason).isEqualTo("Uninitialized");
                  assertThat(condition(t, Status.READY).status).isEqualTo(Condition.UNKNOWN);
                  assertThat(status(t).traffic).isNull();
                }),
        row("the first revision failed: its hosts go to it, so requests get its 503 at once")
            .given(t -> world(t, 1, 0, "", true))
            .key("hello")
            .writes(STATUS)
            .networking("routesChanged {" + HOST + "=[default/hello-00001 100]} removed []")
            .then(
                t -> {
                  assertAssigned(
                      t,
                      Condition.FALSE,
                      "RevisionFailed",
                      "Revision \"hello-00001\" failed with message: boom.");
                  assertThat(condition(t, RouteStatus.INGRESS_READY).isTrue()).isTrue();
                  assertThat(condition(t, Status.READY).status).isEqualTo(Condition.FALSE);
                }),
        row("a revision that does not exist: AllTrafficAssigned=False")
            .given(
                t ->
                    world(t, 1, 1, "  traffic: [{revisionName: hello-00009, percent: 100}]", false))
            .key("hello")
            .writes(STATUS)
            .networking()
            .then(
                t -> {
                  assertAssigned(
                      t,
                      Condition.FALSE,
                      "RevisionMissing",
                      "Revision \"hello-00009\" referenced in traffic not found.");
                }),
        row("a tag on a revision that does not exist: reported, the rest of the split is served")
            .given(
                t ->
                    world(
                        t,
                        1,
                        1,
                        """
                          traffic:
                            - {latestRevision: true, percent: 100}
                            - {revisionName: hello-00099, percent: 0, tag: x}
                        """,
                        false))
            .key("hello")
            .writes("update Revision default/hello-00001", STATUS)
            .networking("routesChanged {" + HOST + "=[default/hello-00001 100]} removed []")
            .then(
                t -> {
                  assertAssigned(
                      t,
                      Condition.FALSE,
                      "RevisionMissing",
                      "Revision \"hello-00099\" referenced in traffic not found.");
                  assertThat(status(t).traffic)
                      .extracting(x -> x.revisionName + " " + x.percent)
                      .containsExactly("hello-00001 100");
                }),
        row("CONFLICT on the routing-state update: hosts are published, the retry finishes")
            .given(
                t -> {
                  world(t, 1, 1, "", false);
                  t.store.failNext(Op.UPDATE, Kind.REVISION, Reason.CONFLICT);
                })
            .key("hello")
            .fails(Reason.CONFLICT)
            .writes("update Revision default/hello-00001 -> CONFLICT")
            .networking("routesChanged {" + HOST + "=[default/hello-00001 100]} removed []")
            .retryWrites("update Revision default/hello-00001", STATUS)
            .then(t -> assertThat(status(t)).isNull()),
        row("CONFLICT on the status write: the retry writes it")
            .given(
                t -> {
                  world(t, 1, 1, "", false);
                  t.store.failNext(Op.UPDATE_STATUS, Kind.ROUTE, Reason.CONFLICT);
                })
            .key("hello")
            .fails(Reason.CONFLICT)
            .writes("update Revision default/hello-00001", STATUS + " -> CONFLICT")
            .retryWrites(STATUS),
        row("UNAVAILABLE on the routing-state update: no status is written")
            .given(
                t -> {
                  world(t, 1, 1, "", false);
                  t.store.failNext(Op.UPDATE, Kind.REVISION, Reason.UNAVAILABLE);
                })
            .key("hello")
            .fails(Reason.UNAVAILABLE)
            .writes("update Revision default/hello-00001 -> UNAVAILABLE")
            .retryWrites("update Revision default/hello-00001", STATUS),
        row("a Route that was never published and is gone: nothing to do")
            .key("hello")
            .writes()
            .networking());
  }

  @Test
  void changingATagSendsOnlyTheTagHosts() throws Exception {
    try (TableTest t = new TableTest()) {
      world(t, 1, 1, "  traffic: [{latestRevision: true, percent: 100, tag: one}]", false);
      t.sync();
      RouteReconciler routes = new RouteReconciler(t.ctx, t.net);
      NamespacedName key = new NamespacedName("default", "hello");
      routes.reconcile(key);
      assertThat(splits(t, "one-hello.default.localhost"))
          .containsExactly(new Split("hello-00001", 100));

      Route route = t.get(Kind.ROUTE, "hello");
      route.spec.traffic.get(0).tag = "two";
      t.memory.update(route);
      t.sync();
      t.clearRecords();
      routes.reconcile(key);

      assertThat(t.net.calls)
          .containsExactly(
              "routesChanged {two-hello.default.localhost=[default/hello-00001 100]}"
                  + " removed [one-hello.default.localhost]");
      assertThat(t.net.hosts).containsOnlyKeys(HOST, "two-hello.default.localhost");
      assertThat(t.store.summary()).containsExactly(STATUS);
    }
  }

  @Test
  void aDeletedRouteTakesItsHostsOutOfTheGateway() throws Exception {
    try (TableTest t = new TableTest()) {
      world(t, 1, 1, "  traffic: [{latestRevision: true, percent: 100, tag: one}]", false);
      t.sync();
      RouteReconciler routes = new RouteReconciler(t.ctx, t.net);
      NamespacedName key = new NamespacedName("default", "hello");
      routes.reconcile(key);
      assertThat(routes.routesReferencing(t.get(Kind.CONFIGURATION, "hello"))).contains(key);

      t.memory.delete(Kind.ROUTE, "default", "hello");
      t.sync();
      t.clearRecords();
      routes.reconcile(key);

      assertThat(t.net.calls)
          .containsExactly("routesChanged {} removed [" + HOST + ", one-hello.default.localhost]");
      assertThat(t.net.hosts).isEmpty();
      assertThat(t.store.summary()).isEmpty();
      assertThat(routes.routesReferencing(t.get(Kind.CONFIGURATION, "hello"))).isEmpty();
    }
  }
}
