package dev.coldbrew.controller;

import dev.coldbrew.api.codec.Durations;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.ContainerStatus;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.model.Status;
import dev.coldbrew.api.runtime.ContainerHealth;
import dev.coldbrew.api.runtime.Engine;
import dev.coldbrew.api.runtime.ImageResolutionException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

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
 * is ready. A revision that runs an image first has it resolved to a digest ({@link
 * InstanceRuntime#resolveImage}), recorded in {@code status.containerStatuses[].imageDigest},
 * before its PodAutoscaler is made; its status annotations name the engine and the containers.
 */
final class RevisionReconciler extends KindReconciler<Revision> {
  /** The wait before trying again to resolve an image that could not be: doubled, capped. */
  static final Duration RESOLVE_RETRY_MIN = Duration.ofSeconds(5);

  static final Duration RESOLVE_RETRY_MAX = Duration.ofMinutes(5);

  private final InstanceRuntime runtime;
  private final Networking networking;
  private final Consumer<NamespacedName> requeue;
  private final Map<NamespacedName, Resolution> resolutions = new ConcurrentHashMap<>();

  /**
   * What the data plane is to be told of a revision once the status explaining it is stored, so a
   * 503 naming a reason is never answered before {@code describe} can show that reason.
   */
  private final Map<NamespacedName, Verdict> verdicts = new ConcurrentHashMap<>();

  /** A revision's requests refused at once with this reason and message, or (null reason) not. */
  private record Verdict(String reason, String message) {
    static final Verdict SERVING = new Verdict(null, null);
  }

  /** An image resolution under way or done, for the revision with this uid. */
  private record Resolution(
      String uid, CompletableFuture<String> digest, int attempt, Instant retryAt) {}

  /**
   * @param requeue queues a revision's key again (when its image resolution completes)
   */
  RevisionReconciler(
      ControllerContext ctx,
      InstanceRuntime runtime,
      Networking networking,
      Consumer<NamespacedName> requeue) {
    super(ctx, Kind.REVISION);
    this.runtime = runtime;
    this.networking = networking;
    this.requeue = requeue;
  }

  @Override
  protected void finalizeKind(NamespacedName key) {
    resolutions.remove(key);
    verdicts.remove(key);
    networking.revisionRemoved(key);
    runtime.remove(key);
  }

  @Override
  protected void statusStored(Revision rev) {
    NamespacedName key = NamespacedName.of(rev);
    Verdict v = verdicts.remove(key);
    if (v == Verdict.SERVING) {
      networking.revisionHealthy(key);
    } else if (v != null) {
      networking.revisionFailed(key, v.reason(), v.message());
    }
  }

  @Override
  protected Duration reconcileKind(Revision rev) {
    NamespacedName key = NamespacedName.of(rev);
    networking.revisionChanged(rev);
    Engine engine = runtime.engine(rev);
    if (engine == Engine.CONTAINER && rev.status.imageDigest() == null) {
      return resolveImage(key, rev);
    }
    resolutions.remove(key);
    PodAutoscaler pa = ensurePodAutoscaler(rev);
    ensureServerlessService(rev);

    var st = rev.status;
    RevisionInstances inst = runtime.instances(key);
    ContainerHealth health = inst.health();
    boolean initialized = pa.status != null && pa.status.isScaleTargetInitialized();
    Duration deadline = progressDeadline(rev);
    Instant created = Instant.parse(rev.metadata.creationTimestamp);
    Duration requeue = null;
    boolean retrying = false;
    if (!health.healthy()) {
      st.markContainerUnhealthy(health.reason(), health.message(), ctx.clock());
      if (!initialized) {
        st.markResourcesUnavailable(health.reason(), health.message(), ctx.clock());
      }
    } else if (initialized) {
      Instant activating = scalingFromZeroSince(pa, inst);
      boolean failedBefore = st.hasExceededProgressDeadline() && inst.ready().isEmpty();
      if (activating != null && !ctx.clock().instant().isBefore(activating.plus(deadline))) {
        st.markProgressDeadlineExceeded(
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
        st.markContainerHealthy(ctx.clock());
        st.markResourcesAvailable(ctx.clock());
      }
    } else if (!ctx.clock().instant().isBefore(created.plus(deadline))) {
      Condition crashed = st.condition(Revision.RevisionStatus.CONTAINER_HEALTHY);
      if (crashed == null || !crashed.isFalse()) {
        // (a crash an earlier run saw stays the reason: the runtime of this run has seen none)
        st.markProgressDeadlineExceeded("Initial scale was never achieved", ctx.clock());
        st.markContainerHealthyUnknown(Revision.RevisionStatus.DEPLOYING, null, ctx.clock());
      }
    } else {
      st.markResourcesAvailableUnknown(Revision.RevisionStatus.DEPLOYING, null, ctx.clock());
      st.markContainerHealthyUnknown(Revision.RevisionStatus.DEPLOYING, null, ctx.clock());
      requeue = Duration.between(ctx.clock().instant(), created.plus(deadline)).plusMillis(10);
    }
    if (health.healthy() && initialized) {
      st.markContainerHealthy(ctx.clock());
    }
    st.rollUpReady(ctx.clock()); // the data plane is told whether the revision failed
    Condition ready = st.condition(Status.READY);
    // Requests are refused at once only when no instance can take them: one instance that
    // crashed must not fail the requests its ready siblings can serve (Knative routes to ready
    // pods whatever the Revision's Ready says).
    verdicts.put(
        key,
        ready.isFalse() && inst.ready().isEmpty() && !retrying
            ? new Verdict(ready.reason, ready.message)
            : Verdict.SERVING);
    st.actualReplicas = inst.ready().size();
    st.desiredReplicas =
        pa.status == null || pa.status.desiredScale == null || pa.status.desiredScale < 0
            ? null
            : pa.status.desiredScale;
    annotate(st, engine, engine == Engine.CONTAINER ? runtime.containers(key) : List.of());
    return requeue;
  }

  /**
   * Resolves a container revision's image to a digest before anything of it exists (no
   * PodAutoscaler, so nothing scales it), as Knative does: meanwhile the revision is {@code
   * ResolvingDigests}; then the digest goes into {@code status.containerStatuses}, and the next
   * reconcile (of the cached revision holding it) goes on. A failure makes the revision not Ready
   * with the engine's message, its requests are answered 503 at once, and it is tried again after a
   * backoff (the image may be built meanwhile).
   */
  private Duration resolveImage(NamespacedName key, Revision rev) {
    Instant now = ctx.clock().instant();
    Resolution r = resolutions.get(key);
    if (r == null
        || !r.uid().equals(rev.metadata.uid)
        || (r.digest().isCompletedExceptionally() && !now.isBefore(r.retryAt()))) {
      int attempt = r == null || !r.uid().equals(rev.metadata.uid) ? 0 : r.attempt() + 1;
      Duration backoff = RESOLVE_RETRY_MIN.multipliedBy(1L << Math.min(attempt, 10));
      r =
          new Resolution(
              rev.metadata.uid,
              runtime.resolveImage(rev),
              attempt,
              now.plus(backoff.compareTo(RESOLVE_RETRY_MAX) > 0 ? RESOLVE_RETRY_MAX : backoff));
      resolutions.put(key, r);
      r.digest().whenComplete((d, e) -> requeue.accept(key));
    }
    var st = rev.status;
    annotate(st, Engine.CONTAINER, List.of());
    if (!r.digest().isDone()) {
      Condition healthy = st.condition(Revision.RevisionStatus.CONTAINER_HEALTHY);
      if (!healthy.isFalse()) { // a failure shown stays until a retry succeeds
        st.markResourcesAvailableUnknown(
            Revision.RevisionStatus.RESOLVING_DIGESTS, null, ctx.clock());
        st.markContainerHealthyUnknown(
            Revision.RevisionStatus.RESOLVING_DIGESTS, null, ctx.clock());
      }
      return null;
    }
    if (!r.digest().isCompletedExceptionally()) {
      var c = rev.spec.container();
      st.containerStatuses =
          new ArrayList<>(
              List.of(new ContainerStatus(c == null ? null : c.name, r.digest().join())));
      st.markResourcesAvailableUnknown(Revision.RevisionStatus.DEPLOYING, null, ctx.clock());
      st.markContainerHealthyUnknown(Revision.RevisionStatus.DEPLOYING, null, ctx.clock());
      return null;
    }
    Throwable e = r.digest().handle((d, t) -> t).join();
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    String reason = e instanceof ImageResolutionException ire ? ire.reason() : "ContainerMissing";
    String message = String.valueOf(e.getMessage());
    st.markContainerUnhealthy(reason, message, ctx.clock());
    st.markResourcesUnavailable(reason, message, ctx.clock());
    verdicts.put(key, new Verdict(reason, message));
    return Duration.between(now, r.retryAt()).plusMillis(10);
  }

  /** The status annotations naming the engine and, for containers, the running containers. */
  private static void annotate(Revision.RevisionStatus st, Engine engine, List<String> containers) {
    Map<String, String> a = st.annotations == null ? new LinkedHashMap<>() : st.annotations;
    a.put(Engine.ANNOTATION, engine.value());
    if (containers.isEmpty()) {
      a.remove(Engine.CONTAINERS_ANNOTATION);
    } else {
      a.put(Engine.CONTAINERS_ANNOTATION, String.join(",", containers));
    }
    st.annotations = a;
  }

  /**
   * Since when the revision, initialized before, has been scaling up from no ready instance (its
   * PodAutoscaler {@code Active=Unknown}); null if it is not.
   */
  private static Instant scalingFromZeroSince(PodAutoscaler pa, RevisionInstances inst) {
    Condition active =
        pa.status == null ? null : pa.status.condition(PodAutoscaler.PodAutoscalerStatus.ACTIVE);
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

  /** The revision's PodAutoscaler as the reconciler creates it. */
  static PodAutoscaler desiredPodAutoscaler(Revision rev) {
    PodAutoscaler want = new PodAutoscaler();
    child(rev, want);
    want.spec.scaleTargetRef = deployment(rev);
    want.spec.reachability = reachability(rev);
    want.spec.protocolType = protocol(rev);
    return want;
  }

  /** The revision's ServerlessService as the reconciler creates it: Proxy mode at first. */
  static ServerlessService desiredServerlessService(Revision rev) {
    ServerlessService sks = new ServerlessService();
    child(rev, sks);
    sks.metadata.labels().put(Labels.SKS, rev.metadata.name);
    sks.spec.mode = SksMode.PROXY;
    sks.spec.numActivators = 2;
    sks.spec.protocolType = protocol(rev);
    sks.spec.objectRef = deployment(rev);
    return sks;
  }

  /** Knative's name for what scales: the revision's Deployment (shortened past 63 chars). */
  private static PodAutoscaler.ObjectReference deployment(Revision rev) {
    PodAutoscaler.ObjectReference ref = new PodAutoscaler.ObjectReference();
    ref.apiVersion = "apps/v1";
    ref.kind = "Deployment";
    ref.name = Names.child(rev.metadata.name, "-deployment");
    return ref;
  }

  private PodAutoscaler ensurePodAutoscaler(Revision rev) {
    PodAutoscaler want = desiredPodAutoscaler(rev);
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
    ctx.store().create(desiredServerlessService(rev));
  }

  private static String protocol(Revision rev) {
    return rev.spec.h2c() ? "h2c" : "http1";
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
