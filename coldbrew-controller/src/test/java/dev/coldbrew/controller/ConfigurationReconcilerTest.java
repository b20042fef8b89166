package dev.coldbrew.controller;

import static dev.coldbrew.controller.TableTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Configuration.ConfigurationStatus;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.store.FaultyStore.Op;
import dev.coldbrew.store.StoreException.Reason;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** {@link ConfigurationReconciler}: one reconcile per row (see {@link TableTest}). */
class ConfigurationReconcilerTest {
  private static final String STATUS = "updateStatus Configuration default/hello";

  private static ConfigurationStatus status(TableTest t) {
    return t.<Configuration>get(Kind.CONFIGURATION, "hello").status;
  }

  private static Condition ready(TableTest t) {
    return status(t).condition(Status.READY);
  }

  /** The Service's Configuration and its first Revision, with the given Revision status. */
  private static Configuration withRevision(TableTest t, Revision.RevisionStatus revStatus) {
    Service svc = Given.service(t, Given.hello("World", ""));
    Configuration cfg = Given.configuration(t, svc);
    Revision rev = ConfigurationReconciler.stamp(cfg, "hello-00001");
    rev.status = revStatus;
    t.seed(rev);
    return cfg;
  }

  /** The Configuration at generation 2 (template changed), hello-00001 Ready and latest ready. */
  private static Configuration secondGeneration(TableTest t) {
    Configuration cfg = withRevision(t, Given.readyRevision(t.clock));
    cfg.status = new ConfigurationStatus();
    cfg.status.latestCreatedRevisionName = "hello-00001";
    cfg.status.markLatestReady("hello-00001", t.clock);
    cfg.status.observedGeneration = 1L;
    cfg = (Configuration) t.memory.updateStatus(cfg);
    cfg.spec.template.spec.container().env.get(0).value = "Again";
    return (Configuration) t.memory.update(cfg);
  }

  @TestFactory
  Stream<DynamicTest> table() {
    return TableTest.table(
        t -> new ConfigurationReconciler(t.ctx),
        row("the first generation stamps hello-00001, labelled and owned")
            .given(t -> Given.configuration(t, Given.service(t, Given.hello("World", ""))))
            .key("hello")
            .writes("create Revision default/hello-00001", STATUS)
            .then(
                t -> {
                  Configuration cfg = t.get(Kind.CONFIGURATION, "hello");
                  Service svc = t.get(Kind.SERVICE, "hello");
                  Revision rev = t.get(Kind.REVISION, "hello-00001");
                  assertThat(rev.metadata.controllerRef().uid).isEqualTo(cfg.metadata.uid);
                  assertThat(rev.metadata.labels)
                      .containsEntry(Labels.CONFIGURATION, "hello")
                      .containsEntry(Labels.CONFIGURATION_UID, cfg.metadata.uid)
                      .containsEntry(Labels.CONFIGURATION_GENERATION, "1")
                      .containsEntry(Labels.SERVICE, "hello")
                      .containsEntry(Labels.SERVICE_UID, svc.metadata.uid)
                      .containsEntry(Labels.ROUTING_STATE, "pending");
                  assertThat(rev.spec.container().env.get(0).value).isEqualTo("World");
                  assertThat(cfg.status.latestCreatedRevisionName).isEqualTo("hello-00001");
                  assertThat(cfg.status.latestReadyRevisionName).isNull();
                  assertThat(cfg.status.observedGeneration).isEqualTo(1);
                  Condition ready = ready(t);
                  assertThat(ready.status).isEqualTo(Condition.UNKNOWN);
                  assertThat(ready.reason).isEqualTo("Deploying");
                  assertThat(ready.message)
                      .isEqualTo(
                          "Configuration \"hello\" is waiting for a Revision to become ready.");
                }),
        row("a Ready revision becomes the latest ready one")
            .given(t -> withRevision(t, Given.readyRevision(t.clock)))
            .key("hello")
            .writes(STATUS)
            .then(
                t -> {
                  assertThat(status(t).latestReadyRevisionName).isEqualTo("hello-00001");
                  assertThat(ready(t).status).isEqualTo(Condition.TRUE);
                }),
        row("a failed revision fails the Configuration with its message")
            .given(
                t -> {
                  Revision.RevisionStatus failed = new Revision.RevisionStatus();
                  failed.markContainerUnhealthy("ExitCode3", "boom", t.clock);
                  failed.markResourcesUnavailable("ExitCode3", "boom", t.clock);
                  failed.rollUpReady(t.clock);
                  withRevision(t, failed);
                })
            .key("hello")
            .writes(STATUS)
            .then(
                t -> {
                  assertThat(ready(t).status).isEqualTo(Condition.FALSE);
                  assertThat(ready(t).reason).isEqualTo("RevisionFailed");
                  assertThat(ready(t).message)
                      .isEqualTo("Revision \"hello-00001\" failed with message: boom.");
                  assertThat(status(t).latestReadyRevisionName).isNull();
                }),
        row("a new generation stamps hello-00002; hello-00001 stays latest ready meanwhile")
            .given(ConfigurationReconcilerTest::secondGeneration)
            .key("hello")
            .writes("create Revision default/hello-00002", STATUS)
            .then(
                t -> {
                  assertThat(status(t).latestCreatedRevisionName).isEqualTo("hello-00002");
                  assertThat(status(t).latestReadyRevisionName).isEqualTo("hello-00001");
                  assertThat(ready(t).status).isEqualTo(Condition.UNKNOWN);
                  Revision rev = t.get(Kind.REVISION, "hello-00002");
                  assertThat(rev.metadata.labels)
                      .containsEntry(Labels.CONFIGURATION_GENERATION, "2");
                  assertThat(rev.spec.container().env.get(0).value).isEqualTo("Again");
                }),
        row("the latest ready revision, deleted by the user, is forgotten")
            .given(
                t -> {
                  secondGeneration(t);
                  t.memory.delete(Kind.REVISION, "default", "hello-00001");
                })
            .key("hello")
            .writes("create Revision default/hello-00002", STATUS)
            .then(t -> assertThat(status(t).latestReadyRevisionName).isNull()),
        row("the template's own name names the revision")
            .given(
                t ->
                    Given.configuration(
                        t,
                        Given.service(
                            t,
                            Given.hello("World", "")
                                .replace(
                                    "    spec:\n      containers",
                                    "    metadata: {name: hello-v1}\n"
                                        + "    spec:\n      containers"))))
            .key("hello")
            .writes("create Revision default/hello-v1", STATUS)
            .then(t -> assertThat(status(t).latestCreatedRevisionName).isEqualTo("hello-v1")),
        row("a revision of that name owned by someone else fails the Configuration")
            .given(
                t -> {
                  Configuration cfg =
                      Given.configuration(t, Given.service(t, Given.hello("World", "")));
                  Revision foreign = ConfigurationReconciler.stamp(cfg, "hello-00001");
                  foreign.metadata.ownerReferences = null;
                  t.seed(foreign);
                })
            .key("hello")
            .writes(STATUS)
            .then(
                t -> {
                  assertThat(ready(t).status).isEqualTo(Condition.FALSE);
                  assertThat(ready(t).message)
                      .isEqualTo(
                          "Revision \"hello-00001\" exists and is not owned by this"
                              + " Configuration.");
                  assertThat(status(t).latestCreatedRevisionName).isNull();
                }),
        row("CONFLICT on the status write: the retry writes it")
            .given(
                t -> {
                  withRevision(t, Given.readyRevision(t.clock));
                  t.store.failNext(Op.UPDATE_STATUS, Kind.CONFIGURATION, Reason.CONFLICT);
                })
            .key("hello")
            .fails(Reason.CONFLICT)
            .writes(STATUS + " -> CONFLICT")
            .retryWrites(STATUS),
        row("ALREADY_EXISTS on the revision create (a stale cache): nothing else is written")
            .given(
                t -> {
                  Given.configuration(t, Given.service(t, Given.hello("World", "")));
                  t.store.failNext(Op.CREATE, Kind.REVISION, Reason.ALREADY_EXISTS);
                })
            .key("hello")
            .fails(Reason.ALREADY_EXISTS)
            .writes("create Revision default/hello-00001 -> ALREADY_EXISTS")
            .retryWrites("create Revision default/hello-00001", STATUS)
            .then(t -> assertThat(status(t)).isNull()),
        row("UNAVAILABLE on the revision create: nothing is written")
            .given(
                t -> {
                  Given.configuration(t, Given.service(t, Given.hello("World", "")));
                  t.store.failNext(Op.CREATE, Kind.REVISION, Reason.UNAVAILABLE);
                })
            .key("hello")
            .fails(Reason.UNAVAILABLE)
            .writes("create Revision default/hello-00001 -> UNAVAILABLE")
            .retryWrites("create Revision default/hello-00001", STATUS)
            .then(t -> assertThat((Revision) t.get(Kind.REVISION, "hello-00001")).isNull()));
  }
}
