package dev.coldbrew.controller;

import static dev.coldbrew.controller.TableTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Service.ServiceStatus;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.model.TrafficTarget;
import dev.coldbrew.store.FaultyStore.Op;
import dev.coldbrew.store.StoreException.Reason;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** {@link ServiceReconciler}: one reconcile per row (see {@link TableTest}). */
class ServiceReconcilerTest {
  private static final String CREATE_CONFIGURATION = "create Configuration default/hello";
  private static final String CREATE_ROUTE = "create Route default/hello";
  private static final String STATUS = "updateStatus Service default/hello";

  /** The Service with its Configuration and Route, both current and Ready. */
  private static Service readyChildren(TableTest t) {
    Service svc = Given.service(t, Given.hello("World", ""));
    Configuration cfg = ServiceReconciler.desiredConfiguration(svc);
    cfg.status = new Configuration.ConfigurationStatus();
    cfg.status.markLatestReady("hello-00001", t.clock);
    cfg.status.latestCreatedRevisionName = "hello-00001";
    cfg.status.observedGeneration = 1L;
    t.seed(cfg);
    Route route = ServiceReconciler.desiredRoute(svc);
    route.status = new Route.RouteStatus();
    route.status.url = "http://hello.default.localhost:8080";
    TrafficTarget target = new TrafficTarget();
    target.revisionName = "hello-00001";
    target.latestRevision = true;
    target.percent = 100L;
    route.status.traffic = List.of(target);
    route.status.markTrafficAssigned(t.clock);
    route.status.markIngressReady(t.clock);
    route.status.markCertificateNotRequired(t.clock);
    route.status.rollUpReady(t.clock);
    route.status.observedGeneration = 1L;
    t.seed(route);
    return svc;
  }

  private static ServiceStatus status(TableTest t) {
    return t.<Service>get(Kind.SERVICE, "hello").status;
  }

  private static void assertCondition(
      Status st, String type, String status, String reason, String message) {
    Condition c = st.condition(type);
    assertThat(c).as(type).isNotNull();
    assertThat(c.status).as(type + " status").isEqualTo(status);
    assertThat(c.reason).as(type + " reason").isEqualTo(reason);
    if (message != null) {
      assertThat(c.message).as(type + " message").isEqualTo(message);
    }
  }

  @TestFactory
  Stream<DynamicTest> table() {
    return TableTest.table(
        t -> new ServiceReconciler(t.ctx),
        row("a new Service creates its Configuration and Route, which are not yet current")
            .given(t -> Given.service(t, Given.hello("World", "")))
            .key("hello")
            .writes(CREATE_CONFIGURATION, CREATE_ROUTE, STATUS)
            .then(
                t -> {
                  Service svc = t.get(Kind.SERVICE, "hello");
                  Configuration cfg = t.get(Kind.CONFIGURATION, "hello");
                  Route route = t.get(Kind.ROUTE, "hello");
                  assertThat(cfg.metadata.controllerRef().uid).isEqualTo(svc.metadata.uid);
                  assertThat(route.metadata.controllerRef().uid).isEqualTo(svc.metadata.uid);
                  assertThat(cfg.metadata.labels)
                      .containsEntry("team", "blue")
                      .containsEntry(Labels.SERVICE, "hello");
                  assertThat(cfg.spec.template.spec.container().env.get(0).value)
                      .isEqualTo("World");
                  assertThat(route.spec.traffic)
                      .singleElement()
                      .satisfies(
                          x -> {
                            assertThat(x.configurationName).isEqualTo("hello");
                            assertThat(x.percent).isEqualTo(100);
                            assertThat(x.latestRevision).isTrue();
                          });
                  ServiceStatus st = svc.status;
                  assertThat(st.observedGeneration).isEqualTo(1);
                  assertCondition(
                      st,
                      ServiceStatus.CONFIGURATIONS_READY,
                      Condition.UNKNOWN,
                      "OutOfDate",
                      "The Configuration is still working to reflect the latest desired"
                          + " specification.");
                  assertCondition(
                      st, ServiceStatus.ROUTES_READY, Condition.UNKNOWN, "OutOfDate", null);
                  assertCondition(st, Status.READY, Condition.UNKNOWN, "OutOfDate", null);
                }),
        row("Ready children make the Service Ready, with their URL, traffic and revisions")
            .given(ServiceReconcilerTest::readyChildren)
            .key("hello")
            .writes(STATUS)
            .then(
                t -> {
                  ServiceStatus st = status(t);
                  assertCondition(st, Status.READY, Condition.TRUE, null, null);
                  assertCondition(
                      st, ServiceStatus.CONFIGURATIONS_READY, Condition.TRUE, null, null);
                  assertCondition(st, ServiceStatus.ROUTES_READY, Condition.TRUE, null, null);
                  assertThat(st.url).isEqualTo("http://hello.default.localhost:8080");
                  assertThat(st.address.url).isEqualTo(st.url);
                  assertThat(st.latestCreatedRevisionName).isEqualTo("hello-00001");
                  assertThat(st.latestReadyRevisionName).isEqualTo("hello-00001");
                  assertThat(st.traffic)
                      .extracting(x -> x.revisionName)
                      .containsExactly("hello-00001");
                }),
        row("a failed Configuration fails the Service with its reason")
            .given(
                t -> {
                  Service svc = Given.service(t, Given.hello("World", ""));
                  Configuration cfg = ServiceReconciler.desiredConfiguration(svc);
                  cfg.status = new Configuration.ConfigurationStatus();
                  cfg.status.latestCreatedRevisionName = "hello-00001";
                  cfg.status.markLatestCreatedFailed("hello-00001", "boom", t.clock);
                  cfg.status.observedGeneration = 1L;
                  t.seed(cfg);
                  Given.route(t, svc);
                })
            .key("hello")
            .writes(STATUS)
            .then(
                t -> {
                  ServiceStatus st = status(t);
                  String message = "Revision \"hello-00001\" failed with message: boom.";
                  assertCondition(
                      st,
                      ServiceStatus.CONFIGURATIONS_READY,
                      Condition.FALSE,
                      "RevisionFailed",
                      message);
                  assertCondition(st, Status.READY, Condition.FALSE, "RevisionFailed", message);
                }),
        row("a child whose spec drifted from the Service is updated back")
            .given(
                t -> {
                  Service svc = Given.service(t, Given.hello("World", ""));
                  Configuration cfg = ServiceReconciler.desiredConfiguration(svc);
                  cfg.spec.template.spec.container().env.get(0).value = "Drifted";
                  t.seed(cfg);
                  Given.route(t, svc);
                })
            .key("hello")
            .writes("update Configuration default/hello", STATUS)
            .then(
                t -> {
                  Configuration cfg = t.get(Kind.CONFIGURATION, "hello");
                  assertThat(cfg.spec.template.spec.container().env.get(0).value)
                      .isEqualTo("World");
                  assertThat(cfg.metadata.generation).isEqualTo(2);
                }),
        row("a Configuration of the same name that the Service does not own is left alone")
            .given(
                t -> {
                  Service svc = Given.service(t, Given.hello("World", ""));
                  Configuration foreign = ServiceReconciler.desiredConfiguration(svc);
                  foreign.metadata.ownerReferences = null;
                  t.seed(foreign);
                })
            .key("hello")
            .writes(CREATE_ROUTE, STATUS)
            .then(
                t -> {
                  String message =
                      "There is an existing Configuration \"hello\" that we do not own.";
                  assertCondition(
                      status(t),
                      ServiceStatus.CONFIGURATIONS_READY,
                      Condition.FALSE,
                      "NotOwned",
                      message);
                  assertCondition(status(t), Status.READY, Condition.FALSE, "NotOwned", message);
                  assertThat(t.<Configuration>get(Kind.CONFIGURATION, "hello").metadata.generation)
                      .isEqualTo(1);
                }),
        row("CONFLICT on the status write: the reconcile fails and the retry writes it")
            .given(
                t -> {
                  readyChildren(t);
                  t.store.failNext(Op.UPDATE_STATUS, Kind.SERVICE, "hello", Reason.CONFLICT);
                })
            .key("hello")
            .fails(Reason.CONFLICT)
            .writes(STATUS + " -> CONFLICT")
            .retryWrites(STATUS)
            .then(t -> assertThat(status(t)).isNull()),
        row("CONFLICT on the child update: nothing else is written, the retry does it all")
            .given(
                t -> {
                  Service svc = Given.service(t, Given.hello("World", ""));
                  Configuration cfg = ServiceReconciler.desiredConfiguration(svc);
                  cfg.metadata.labels.put("team", "red");
                  t.seed(cfg);
                  Given.route(t, svc);
                  t.store.failNext(Op.UPDATE, Kind.CONFIGURATION, "hello", Reason.CONFLICT);
                })
            .key("hello")
            .fails(Reason.CONFLICT)
            .writes("update Configuration default/hello -> CONFLICT")
            .retryWrites("update Configuration default/hello", STATUS),
        row("ALREADY_EXISTS on the Route create: the Configuration created before is kept")
            .given(
                t -> {
                  Given.service(t, Given.hello("World", ""));
                  t.store.failNext(Op.CREATE, Kind.ROUTE, "hello", Reason.ALREADY_EXISTS);
                })
            .key("hello")
            .fails(Reason.ALREADY_EXISTS)
            .writes(CREATE_CONFIGURATION, CREATE_ROUTE + " -> ALREADY_EXISTS")
            .retryWrites(CREATE_ROUTE, STATUS)
            .then(
                t -> {
                  assertThat((Configuration) t.get(Kind.CONFIGURATION, "hello")).isNotNull();
                  assertThat(status(t)).isNull();
                }),
        row("UNAVAILABLE on the first create: nothing is written")
            .given(
                t -> {
                  Given.service(t, Given.hello("World", ""));
                  t.store.failNext(Op.CREATE, Kind.CONFIGURATION, Reason.UNAVAILABLE);
                })
            .key("hello")
            .fails(Reason.UNAVAILABLE)
            .writes(CREATE_CONFIGURATION + " -> UNAVAILABLE")
            .retryWrites(CREATE_CONFIGURATION, CREATE_ROUTE, STATUS)
            .then(t -> assertThat((Configuration) t.get(Kind.CONFIGURATION, "hello")).isNull()),
        row("a Service that is gone: nothing to do (the store cascades)")
            .key("hello")
            .writes()
            .networking()
            .runtime());
  }
}
