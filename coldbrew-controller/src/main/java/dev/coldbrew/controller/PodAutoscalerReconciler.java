package dev.coldbrew.controller;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.InstanceRuntime;
import dev.coldbrew.autoscaler.DeciderSpec;
import dev.coldbrew.autoscaler.PodAutoscalerDecision;
import dev.coldbrew.autoscaler.PodAutoscalerSettings;
import dev.coldbrew.autoscaler.PodAutoscalerState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Knative's KPA reconciler: turns a PodAutoscaler's latest autoscaler decision into instances
 * ({@code runtime.scale}), the PA's status ({@code Active}, {@code ScaleTargetInitialized}, {@code
 * SKSReady}, desired and actual scale) and its ServerlessService's {@code mode} and {@code
 * numActivators}. The decisions come from the {@link Multiscaler}, which owns each revision's
 * {@link dev.coldbrew.autoscaler.RevisionAutoscaler}; a PA's first reconcile creates it there, asks
 * the runtime for the revision's start scale and starts its ticks. A decision that notifies
 * re-queues the PA. Runs on {@link KindReconciler}, which writes the status it marks.
 *
 * <p>Runs on the PodAutoscaler work queue's workers, one key at a time. The revision's autoscaler
 * is locked only inside {@link Multiscaler#reconcile}, for the pure PodAutoscaler logic, so a load
 * report arriving on an event loop meanwhile is recorded at once; that call also applies the count
 * ({@code runtime.scale}) under the revision's applying monitor, which only this worker and the
 * multiscaler's thread take. No monitor is held across a store write.
 */
final class PodAutoscalerReconciler extends KindReconciler<PodAutoscaler> {
  private final InstanceRuntime runtime;
  private final Multiscaler multiscaler;

  PodAutoscalerReconciler(ControllerContext ctx, InstanceRuntime runtime, Multiscaler multiscaler) {
    super(ctx, Kind.POD_AUTOSCALER);
    this.runtime = runtime;
    this.multiscaler = multiscaler;
  }

  @Override
  protected void finalizeKind(NamespacedName key) {
    multiscaler.remove(key);
  }

  @Override
  protected Duration reconcileKind(PodAutoscaler pa) {
    NamespacedName key = NamespacedName.of(pa);
    Optional<Revision> cachedRev = ctx.get(Kind.REVISION, key.namespace(), key.name());
    if (cachedRev.isEmpty()) {
      multiscaler.remove(key); // the Revision is being deleted, and its PodAutoscaler with it
      return null;
    }
    Revision rev = cachedRev.get();
    Map<String, String> annotations =
        rev.metadata.annotations == null ? Map.of() : rev.metadata.annotations;
    boolean reachable = !PodAutoscaler.UNREACHABLE.equals(pa.spec.reachability);
    long cc = rev.spec.containerConcurrency == null ? 0 : rev.spec.containerConcurrency;
    AutoscalerConfig config = ctx.config().autoscaler();
    List<Object> inputs = List.of(annotations, cc, reachable, config);
    DeciderSpec spec = DeciderSpec.from(config, annotations, cc, reachable);
    PodAutoscalerSettings settings = PodAutoscalerSettings.from(config, annotations, spec);
    boolean initializedBefore = pa.status != null && pa.status.isScaleTargetInitialized();
    Condition active =
        pa.status == null ? null : pa.status.condition(PodAutoscaler.PodAutoscalerStatus.ACTIVE);
    boolean timedOutBefore =
        active != null && active.isFalse() && PodAutoscalerState.TIMED_OUT.equals(active.reason);
    Multiscaler.Scaler s =
        multiscaler.scaler(key, spec, settings, inputs, initializedBefore, timedOutBefore);
    if (!s.ticking()) {
      runtime.scale(rev, s.requestStart());
      multiscaler.startTicks(s);
    }
    s.update(spec, settings, inputs);
    int ready = runtime.instances(key).ready().size();
    PodAutoscalerDecision d = multiscaler.reconcile(s, ready, rev); // applies the count too
    writeSks(key, d);
    markStatus(pa, d.state(), ready);
    return d.requeueAfter();
  }

  private void writeSks(NamespacedName key, PodAutoscalerDecision d) {
    Optional<ServerlessService> cached =
        ctx.get(Kind.SERVERLESS_SERVICE, key.namespace(), key.name());
    if (cached.isEmpty()) {
      return;
    }
    ServerlessService sks = cached.get();
    SksMode mode = d.sksMode();
    if (mode != sks.spec.mode || !Objects.equals(sks.spec.numActivators, d.numActivators())) {
      ServerlessService update = ResourceCodec.copy(sks);
      update.spec.mode = mode;
      update.spec.numActivators = d.numActivators();
      ctx.store().update(update);
    }
  }

  private void markStatus(PodAutoscaler pa, PodAutoscalerState state, int ready) {
    var st = pa.status;
    st.markActive(state.active().conditionStatus(), state.reason(), state.message(), ctx.clock());
    if (state.scaleTargetInitialized()) {
      st.markScaleTargetInitialized(ctx.clock());
    } else {
      st.markScaleTargetNotInitialized(ctx.clock());
    }
    ServerlessService sks =
        ctx.<ServerlessService>get(Kind.SERVERLESS_SERVICE, pa.metadata.namespace, pa.metadata.name)
            .orElse(null);
    st.propagateSksStatus(sks == null ? null : sks.status, ctx.clock());
    st.desiredScale = state.desiredScale();
    st.actualScale = ready;
    st.serviceName = pa.metadata.name;
    st.metricsServiceName = Names.child(pa.metadata.name, "-private");
  }
}
