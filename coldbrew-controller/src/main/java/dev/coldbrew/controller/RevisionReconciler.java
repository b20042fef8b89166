package dev.coldbrew.controller;

import dev.coldbrew.api.codec.Durations;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.api.runtime.RevisionInstances;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Revision → its PodAutoscaler and ServerlessService (same name, owned by it), its serving settings
 * in the data plane, and its status: {@code ResourcesAvailable} and {@code ContainerHealthy} from
 * the PodAutoscaler (initial scale reached once) and the runtime's health, {@code
 * ProgressDeadlineExceeded} when it never got ready in time, and the replica counts. A revision
 * scaled to zero stays Ready, as in Knative, unless a scale from zero brings no ready instance
 * within the progress deadline: then it turns {@code ResourcesAvailable=False} ({@code
 * ProgressDeadlineExceeded}), requests held for it and new ones get 503 at once, and its
 * PodAutoscaler gives the attempt up ({@code TimedOut}) once the load is gone. After that the
 * revision stays not-Ready but takes requests again, each starting a new attempt, until an instance
 * is ready.
 */
final class RevisionReconciler implements Reconciler {
  static final String RESOURCES_AVAILABLE = "ResourcesAvailable";
  static final String CONTAINER_HEALTHY = "ContainerHealthy";
  static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  private final ControllerContext ctx;
  private final InstanceRuntime runtime;
  private final Networking networking;

  RevisionReconciler(ControllerContext ctx, InstanceRuntime runtime, Networking networking) {
    this.ctx = ctx;
    this.runtime = runtime;
    this.networking = networking;
  }

  @Override
  public Duration reconcile(NamespacedName key) {
    Optional<Revision> cached = ctx.get(Kind.REVISION, key.namespace(), key.name());
    if (cached.isEmpty()) {
      networking.revisionRemoved(key);
      runtime.remove(key);
      return null;
    }
    Revision rev = cached.get();
    networking.revisionChanged(rev);
    PodAutoscaler pa = ensurePodAutoscaler(rev);
    ensureServerlessService(rev);

    Revision next = ResourceCodec.copy(rev);
    if (next.status == null) {
      next.status = new Revision.RevisionStatus();
    }
    var st = next.status;
    RevisionInstances inst = runtime.instances(key);
    ContainerHealth health = inst.health();
    boolean initialized = pa.status != null && pa.status.isTrue("ScaleTargetInitialized");
    Duration deadline = progressDeadline(rev);
    Instant created = Instant.parse(rev.metadata.creationTimestamp);
    Duration requeue = null;
    boolean retrying = false;
    if (!health.healthy()) {
      st.setCondition(
          CONTAINER_HEALTHY, Condition.FALSE, health.reason(), health.message(), ctx.clock());
      if (!initialized) {
        st.setCondition(
            RESOURCES_AVAILABLE, Condition.FALSE, health.reason(), health.message(), ctx.clock());
      }
    } else if (initialized) {
      Instant activating = scalingFromZeroSince(pa, inst);
      Condition available = st.condition(RESOURCES_AVAILABLE);
      boolean failedBefore =
          available != null
              && available.isFalse()
              && PROGRESS_DEADLINE_EXCEEDED.equals(available.reason)
              && inst.ready().isEmpty();
      if (activating != null && !ctx.clock().instant().isBefore(activating.plus(deadline))) {
        st.setCondition(
            RESOURCES_AVAILABLE,
            Condition.FALSE,
            PROGRESS_DEADLINE_EXCEEDED,
            "No instance became ready within the progress deadline ("
                + Durations.format(deadline)
                + ") of scaling from zero",
            ctx.clock());
      } else if (activating != null || failedBefore) {
        // An attempt is under way, or the last one failed and the PodAutoscaler gave it up:
        // the status keeps what the last attempt showed; requests go through (and start one).
        retrying = true;
        if (activating != null) {
          requeue =
              Duration.between(ctx.clock().instant(), activating.plus(deadline)).plusMillis(10);
        }
      } else {
        st.setCondition(CONTAINER_HEALTHY, Condition.TRUE, null, null, ctx.clock());
        st.setCondition(RESOURCES_AVAILABLE, Condition.TRUE, null, null, ctx.clock());
      }
    } else if (!ctx.clock().instant().isBefore(created.plus(deadline))) {
      st.setCondition(
          RESOURCES_AVAILABLE,
          Condition.FALSE,
          PROGRESS_DEADLINE_EXCEEDED,
          "Initial scale was never achieved",
          ctx.clock());
      st.setCondition(CONTAINER_HEALTHY, Condition.UNKNOWN, "Deploying", null, ctx.clock());
    } else {
      st.setCondition(RESOURCES_AVAILABLE, Condition.UNKNOWN, "Deploying", null, ctx.clock());
      st.setCondition(CONTAINER_HEALTHY, Condition.UNKNOWN, "Deploying", null, ctx.clock());
      requeue = Duration.between(ctx.clock().instant(), created.plus(deadline)).plusMillis(10);
    }
    if (health.healthy() && initialized && !st.isTrue(CONTAINER_HEALTHY)) {
      st.setCondition(CONTAINER_HEALTHY, Condition.TRUE, null, null, ctx.clock());
    }
    Conditions.rollUp(st, ctx.clock(), RESOURCES_AVAILABLE, CONTAINER_HEALTHY);
    Condition ready = st.condition(Conditions.READY);
    // Requests are refused at once only when no instance can take them: one instance that
    // crashed must not fail the requests its ready siblings can serve (Knative routes to ready
    // pods whatever the Revision's Ready says).
    if (ready.isFalse() && inst.ready().isEmpty() && !retrying) {
      networking.revisionFailed(key, ready.reason, ready.message);
    } else {
      networking.revisionHealthy(key);
    }
    st.actualReplicas = inst.ready().size();
    st.desiredReplicas =
        pa.status == null || pa.status.desiredScale == null || pa.status.desiredScale < 0
            ? null
            : pa.status.desiredScale;
    st.observedGeneration = rev.metadata.generation;
    ctx.writeStatusIfChanged(rev, next);
    return requeue;
  }

  /**
   * Since when the revision, initialized before, has been scaling up from no ready instance (its
   * PodAutoscaler {@code Active=Unknown}); null if it is not.
   */
  private static Instant scalingFromZeroSince(PodAutoscaler pa, RevisionInstances inst) {
    Condition active = pa.status == null ? null : pa.status.condition("Active");
    if (active == null
        || !Condition.UNKNOWN.equals(active.status)
        || active.lastTransitionTime == null
        || !inst.ready().isEmpty()) {
      return null;
    }
    // condition times are cut to the second: count from the end of that second, so the
    // deadline is never cut short
    return Instant.parse(active.lastTransitionTime).plusSeconds(1);
  }

  /** The {@code serving.knative.dev/progress-deadline} annotation, or the deployment config's. */
  private Duration progressDeadline(Revision rev) {
    String v = rev.metadata.annotation(Labels.PROGRESS_DEADLINE);
    if (v != null) {
      try {
        return Durations.parse(v);
      } catch (IllegalArgumentException e) {
        // validated on admission; fall through to the default
      }
    }
    return ctx.config().deployment().progressDeadline();
  }

  /** The PA's reachability from the revision's routing state. */
  static String reachability(Revision rev) {
    String state = rev.metadata.label(Labels.ROUTING_STATE);
    if ("active".equals(state)) {
      return PodAutoscaler.REACHABLE;
    }
    if ("reserve".equals(state)) {
      return PodAutoscaler.UNREACHABLE;
    }
    return PodAutoscaler.REACHABILITY_UNKNOWN;
  }

  private PodAutoscaler ensurePodAutoscaler(Revision rev) {
    PodAutoscaler want = new PodAutoscaler();
    child(rev, want);
    want.spec.scaleTargetRef = new PodAutoscaler.ObjectReference();
    want.spec.scaleTargetRef.apiVersion = "apps/v1";
    want.spec.scaleTargetRef.kind = "Deployment";
    want.spec.scaleTargetRef.name = rev.metadata.name + "-deployment";
    want.spec.reachability = reachability(rev);
    want.spec.protocolType = protocol(rev);
    Optional<PodAutoscaler> have =
        ctx.get(Kind.POD_AUTOSCALER, rev.metadata.namespace, rev.metadata.name);
    if (have.isEmpty()) {
      return (PodAutoscaler) ctx.store().create(want);
    }
    PodAutoscaler pa = have.get();
    if (!Objects.equals(pa.spec.reachability, want.spec.reachability)) {
      PodAutoscaler update = ResourceCodec.copy(pa);
      update.spec.reachability = want.spec.reachability;
      return (PodAutoscaler) ctx.store().update(update);
    }
    return pa;
  }

  private void ensureServerlessService(Revision rev) {
    if (ctx.get(Kind.SERVERLESS_SERVICE, rev.metadata.namespace, rev.metadata.name).isPresent()) {
      return;
    }
    ServerlessService sks = new ServerlessService();
    child(rev, sks);
    sks.metadata.labels().put(Labels.SKS, rev.metadata.name);
    sks.spec.mode = ServerlessService.MODE_PROXY;
    sks.spec.numActivators = 2;
    sks.spec.protocolType = protocol(rev);
    sks.spec.objectRef = new PodAutoscaler.ObjectReference();
    sks.spec.objectRef.apiVersion = "apps/v1";
    sks.spec.objectRef.kind = "Deployment";
    sks.spec.objectRef.name = rev.metadata.name + "-deployment";
    ctx.store().create(sks);
  }

  private static String protocol(Revision rev) {
    var c = rev.spec.container();
    return c != null && c.ports != null && !c.ports.isEmpty() && "h2c".equals(c.ports.get(0).name)
        ? "h2c"
        : "http1";
  }

  /** Name, namespace, labels and owner of a revision's child. */
  static void child(Revision rev, Resource child) {
    child.metadata.name = rev.metadata.name;
    child.metadata.namespace = rev.metadata.namespace;
    Map<String, String> labels = new LinkedHashMap<>();
    for (String k : List.of(Labels.SERVICE, Labels.CONFIGURATION)) {
      String v = rev.metadata.label(k);
      if (v != null) {
        labels.put(k, v);
      }
    }
    labels.put(Labels.REVISION, rev.metadata.name);
    labels.put(Labels.REVISION_UID, rev.metadata.uid);
    child.metadata.labels = labels;
    child.metadata.ownerReferences = new ArrayList<>(List.of(OwnerReference.controllerOf(rev)));
  }
}
