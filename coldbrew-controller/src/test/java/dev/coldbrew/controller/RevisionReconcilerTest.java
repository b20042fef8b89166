package dev.coldbrew.controller;

import static dev.coldbrew.controller.TableTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.PodAutoscaler.PodAutoscalerStatus;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Revision.RevisionStatus;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.store.FaultyStore.Op;
import dev.coldbrew.store.StoreException.Reason;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** {@link RevisionReconciler}: one reconcile per row (see {@link TableTest}). */
class RevisionReconcilerTest {
  private static final String REV = "hello-00001";
  private static final NamespacedName KEY = new NamespacedName("default", REV);
  private static final String CREATE_PA = "create PodAutoscaler default/hello-00001";
  private static final String CREATE_SKS = "create ServerlessService default/hello-00001";
  private static final String STATUS = "updateStatus Revision default/hello-00001";
  private static final String CHANGED = "revisionChanged default/hello-00001";
  private static final String HEALTHY = "revisionHealthy default/hello-00001";

  /** A 2 s progress deadline, so the deadline rows read simply. */
  private static final String DEADLINE_2S =
      "    metadata:\n      annotations: {serving.knative.dev/progress-deadline: 2s}\n";

  private static RevisionStatus status(TableTest t) {
    return t.<Revision>get(Kind.REVISION, REV).status;
  }

  private static Condition condition(TableTest t, String type) {
    return status(t).condition(type);
  }

  /** A Revision of the hello Service with a 2 s progress deadline. */
  private static Revision revisionWithDeadline(TableTest t) {
    return Given.revision(
        t,
        Given.configuration(
            t,
            Given.service(
                t,
                Given.hello("World", "")
                    .replace(
                        "    spec:\n      containers",
                        DEADLINE_2S + "    spec:\n      containers"))));
  }

  /** A PodAutoscaler status that reached initial scale, with Active as given. */
  private static PodAutoscalerStatus initialized(
      TableTest t, String active, String reason, int desired) {
    PodAutoscalerStatus st = new PodAutoscalerStatus();
    st.markScaleTargetInitialized(t.clock);
    st.markActive(active, reason, null, t.clock);
    st.desiredScale = desired;
    return st;
  }

  /** A Revision with its children; its PodAutoscaler status as given. */
  private static Revision withChildren(TableTest t, Revision rev, PodAutoscalerStatus pa) {
    Given.podAutoscaler(t, rev, pa);
    Given.serverlessService(t, rev);
    return rev;
  }

  /** The hello Service's Revision with its children, in the routing state given. */
  private static void routed(TableTest t, String routingState) {
    Revision rev = withChildren(t, Given.serviceToRevision(t), null);
    rev.metadata.labels.put(Labels.ROUTING_STATE, routingState);
    t.memory.update(rev);
  }

  @TestFactory
  Stream<DynamicTest> table() {
    return TableTest.table(
        t -> new RevisionReconciler(t.ctx, t.runtime, t.net, k -> {}),
        row("a new revision gets its PodAutoscaler and SKS and is Deploying")
            .given(Given::serviceToRevision)
            .key(REV)
            .writes(CREATE_PA, CREATE_SKS, STATUS)
            .networking(CHANGED, HEALTHY)
            .runtime()
            .requeue(Duration.ofMinutes(10).plusMillis(10))
            .then(
                t -> {
                  Revision rev = t.get(Kind.REVISION, REV);
                  PodAutoscaler pa = t.get(Kind.POD_AUTOSCALER, REV);
                  ServerlessService sks = t.get(Kind.SERVERLESS_SERVICE, REV);
                  assertThat(pa.metadata.controllerRef().uid).isEqualTo(rev.metadata.uid);
                  assertThat(pa.metadata.labels)
                      .containsEntry(Labels.REVISION, REV)
                      .containsEntry(Labels.SERVICE, "hello");
                  assertThat(pa.spec.reachability).isEqualTo(PodAutoscaler.REACHABILITY_UNKNOWN);
                  assertThat(pa.spec.scaleTargetRef.name).isEqualTo("hello-00001-deployment");
                  assertThat(sks.metadata.controllerRef().uid).isEqualTo(rev.metadata.uid);
                  assertThat(sks.spec.mode).isEqualTo(SksMode.PROXY);
                  for (String type :
                      new String[] {
                        RevisionStatus.RESOURCES_AVAILABLE,
                        RevisionStatus.CONTAINER_HEALTHY,
                        Status.READY
                      }) {
                    assertThat(condition(t, type).status).as(type).isEqualTo(Condition.UNKNOWN);
                    assertThat(condition(t, type).reason).as(type).isEqualTo("Deploying");
                  }
                  assertThat(status(t).actualReplicas).isZero();
                  assertThat(status(t).desiredReplicas).isNull();
                  assertThat(status(t).observedGeneration).isEqualTo(1);
                }),
        row("initial scale reached with a ready instance: Ready, with the replica counts")
            .given(
                t -> {
                  withChildren(
                      t, Given.serviceToRevision(t), initialized(t, Condition.TRUE, null, 1));
                  t.runtime.setReady(KEY, 1, ContainerHealth.HEALTHY);
                })
            .key(REV)
            .writes(STATUS)
            .networking(CHANGED, HEALTHY)
            .requeue(null)
            .then(
                t -> {
                  assertThat(status(t).isReady()).isTrue();
                  assertThat(condition(t, RevisionStatus.RESOURCES_AVAILABLE).isTrue()).isTrue();
                  assertThat(condition(t, RevisionStatus.CONTAINER_HEALTHY).isTrue()).isTrue();
                  assertThat(status(t).actualReplicas).isEqualTo(1);
                  assertThat(status(t).desiredReplicas).isEqualTo(1);
                }),
        row("a crashing instance before initial scale fails the revision and the data plane")
            .given(
                t -> {
                  withChildren(t, Given.serviceToRevision(t), null);
                  t.runtime.setReady(KEY, 0, ContainerHealth.failing("ExitCode3", "boom"));
                })
            .key(REV)
            .writes(STATUS)
            .networking(CHANGED, "revisionFailed default/hello-00001 ExitCode3: boom")
            .then(
                t -> {
                  Condition healthy = condition(t, RevisionStatus.CONTAINER_HEALTHY);
                  assertThat(healthy.status).isEqualTo(Condition.FALSE);
                  assertThat(healthy.reason).isEqualTo("ExitCode3");
                  assertThat(healthy.message).isEqualTo("boom");
                  assertThat(condition(t, RevisionStatus.RESOURCES_AVAILABLE).reason)
                      .isEqualTo("ExitCode3");
                  assertThat(condition(t, Status.READY).status).isEqualTo(Condition.FALSE);
                }),
        row("one crashed instance next to a ready one: not Ready, but the data plane serves")
            .given(
                t -> {
                  withChildren(
                      t, Given.serviceToRevision(t), initialized(t, Condition.TRUE, null, 2));
                  t.runtime.setReady(KEY, 1, ContainerHealth.failing("ExitCode3", "boom"));
                })
            .key(REV)
            .writes(STATUS)
            .networking(CHANGED, HEALTHY)
            .then(t -> assertThat(condition(t, Status.READY).reason).isEqualTo("ExitCode3")),
        row("no instance ready within the progress deadline: ProgressDeadlineExceeded")
            .given(
                t -> {
                  withChildren(t, revisionWithDeadline(t), null);
                  t.clock.advance(Duration.ofSeconds(2));
                })
            .key(REV)
            .writes(STATUS)
            .networking(
                CHANGED,
                "revisionFailed default/hello-00001 ProgressDeadlineExceeded:"
                    + " Initial scale was never achieved")
            .requeue(null)
            .then(
                t -> {
                  Condition available = condition(t, RevisionStatus.RESOURCES_AVAILABLE);
                  assertThat(available.status).isEqualTo(Condition.FALSE);
                  assertThat(available.reason).isEqualTo("ProgressDeadlineExceeded");
                  assertThat(condition(t, Status.READY).message)
                      .isEqualTo("Initial scale was never achieved");
                }),
        row("after a restart, the crash an earlier run saw stays the failure's reason")
            .given(
                t -> {
                  Revision rev = revisionWithDeadline(t);
                  rev.status = new RevisionStatus();
                  rev.status.initializeConditions(t.clock);
                  rev.status.markContainerUnhealthy("ExitCode3", "boom", t.clock);
                  rev.status.markResourcesUnavailable("ExitCode3", "boom", t.clock);
                  rev = (Revision) t.memory.updateStatus(rev);
                  withChildren(t, rev, null); // the runtime of this run has seen nothing
                  t.clock.advance(Duration.ofSeconds(2));
                })
            .key(REV)
            .writes(STATUS)
            .networking(CHANGED, "revisionFailed default/hello-00001 ExitCode3: boom")
            .requeue(null)
            .then(
                t -> {
                  assertThat(condition(t, RevisionStatus.CONTAINER_HEALTHY).reason)
                      .isEqualTo("ExitCode3");
                  assertThat(condition(t, Status.READY).message).isEqualTo("boom");
                }),
        row("a scale from zero under way keeps the status and requeues at its deadline")
            .given(
                t -> {
                  Revision rev = revisionWithDeadline(t);
                  rev.status = Given.readyRevision(t.clock);
                  rev.status.actualReplicas = 0;
                  rev.status.desiredReplicas = 1;
                  rev = (Revision) t.memory.updateStatus(rev);
                  // activating since T0 (counted from the end of that second); now T0 + 1.5 s
                  withChildren(t, rev, initialized(t, Condition.UNKNOWN, "Queued", 1));
                  t.clock.advance(Duration.ofMillis(1500));
                })
            .key(REV)
            .writes()
            .networking(CHANGED, HEALTHY)
            .requeue(Duration.ofMillis(1500 + 10))
            .then(t -> assertThat(status(t).isReady()).isTrue()),
        row("a scale from zero that misses its deadline fails the revision at once")
            .given(
                t -> {
                  Revision rev = revisionWithDeadline(t);
                  rev.status = Given.readyRevision(t.clock);
                  rev = (Revision) t.memory.updateStatus(rev);
                  withChildren(t, rev, initialized(t, Condition.UNKNOWN, "Queued", 1));
                  t.clock.advance(Duration.ofSeconds(3));
                })
            .key(REV)
            .writes(STATUS)
            .networking(
                CHANGED,
                "revisionFailed default/hello-00001 ProgressDeadlineExceeded: No instance became"
                    + " ready within the progress deadline (2s) of scaling from zero")
            .then(
                t ->
                    assertThat(condition(t, RevisionStatus.RESOURCES_AVAILABLE).reason)
                        .isEqualTo("ProgressDeadlineExceeded")),
        row("routed to: the PodAutoscaler becomes Reachable")
            .given(t -> routed(t, "active"))
            .key(REV)
            .writes("update PodAutoscaler default/hello-00001", STATUS)
            .then(
                t ->
                    assertThat(t.<PodAutoscaler>get(Kind.POD_AUTOSCALER, REV).spec.reachability)
                        .isEqualTo(PodAutoscaler.REACHABLE)),
        row("a revision that is gone is removed from the data plane and the runtime")
            .key(REV)
            .writes()
            .networking("revisionRemoved default/hello-00001")
            .runtime("remove default/hello-00001"),
        row("CONFLICT on the PodAutoscaler update: nothing else is written")
            .given(
                t -> {
                  routed(t, "reserve");
                  t.store.failNext(Op.UPDATE, Kind.POD_AUTOSCALER, Reason.CONFLICT);
                })
            .key(REV)
            .fails(Reason.CONFLICT)
            .writes("update PodAutoscaler default/hello-00001 -> CONFLICT")
            .retryWrites("update PodAutoscaler default/hello-00001", STATUS)
            .then(t -> assertThat(status(t)).isNull()),
        row("CONFLICT on the status write: the retry writes it")
            .given(
                t -> {
                  withChildren(t, Given.serviceToRevision(t), null);
                  t.store.failNext(Op.UPDATE_STATUS, Kind.REVISION, Reason.CONFLICT);
                })
            .key(REV)
            .fails(Reason.CONFLICT)
            .writes(STATUS + " -> CONFLICT")
            .retryWrites(STATUS),
        row("a failure whose status could not be written is not told to the data plane yet")
            .given(
                t -> {
                  withChildren(t, Given.serviceToRevision(t), null);
                  t.runtime.setReady(KEY, 0, ContainerHealth.failing("ExitCode3", "boom"));
                  t.store.failNext(Op.UPDATE_STATUS, Kind.REVISION, Reason.CONFLICT);
                })
            .key(REV)
            .fails(Reason.CONFLICT)
            .writes(STATUS + " -> CONFLICT")
            .networking(CHANGED)
            .retryWrites(STATUS),
        row("UNAVAILABLE on the SKS create: the PodAutoscaler created before is kept")
            .given(
                t -> {
                  Given.serviceToRevision(t);
                  t.store.failNext(Op.CREATE, Kind.SERVERLESS_SERVICE, Reason.UNAVAILABLE);
                })
            .key(REV)
            .fails(Reason.UNAVAILABLE)
            .writes(CREATE_PA, CREATE_SKS + " -> UNAVAILABLE")
            .retryWrites(CREATE_SKS, STATUS)
            .then(t -> assertThat((PodAutoscaler) t.get(Kind.POD_AUTOSCALER, REV)).isNotNull()));
  }
}
