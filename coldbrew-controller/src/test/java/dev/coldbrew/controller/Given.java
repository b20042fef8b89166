package dev.coldbrew.controller;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.PodAutoscaler;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.ServerlessService;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.runtime.Engine;
import dev.coldbrew.store.admission.Admission;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The objects table tests start from, built the way the platform builds them: a Service from a
 * manifest through {@link Admission}, and children from the reconcilers' own builders ({@code
 * desiredConfiguration}, {@code stamp}, …), each seeded into the harness's store with its owner's
 * uid.
 */
final class Given {
  private Given() {}

  /** The {@code hello} Service manifest with {@code TARGET=target} and extra spec lines. */
  static String hello(String target, String extraSpec) {
    return """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: hello
          labels: {team: blue}
        spec:
          template:
            spec:
              containers:
                - command: [java]
                  args: [-jar, hello.jar]
                  env: [{name: TARGET, value: %s}]
        %s"""
        .formatted(target, extraSpec);
  }

  /** Seeds a Service from its manifest as {@code coldbrew apply} writes it (not recorded). */
  static Service service(TableTest t, String yaml) {
    return (Service)
        new Admission(t.memory, t.ctx.config()).apply(ResourceCodec.decodeOne(yaml)).resource();
  }

  /** Seeds the Service's Configuration as the Service reconciler creates it. */
  static Configuration configuration(TableTest t, Service svc) {
    return t.seed(ServiceReconciler.desiredConfiguration(svc));
  }

  /** Seeds the Service's Route as the Service reconciler creates it. */
  static Route route(TableTest t, Service svc) {
    return t.seed(ServiceReconciler.desiredRoute(svc));
  }

  /** Seeds the Revision the Configuration stamps for its current generation. */
  static Revision revision(TableTest t, Configuration cfg) {
    return t.seed(ConfigurationReconciler.stamp(cfg, ConfigurationReconciler.revisionName(cfg)));
  }

  /** Seeds the Revision's PodAutoscaler, with the given status (or none). */
  static PodAutoscaler podAutoscaler(
      TableTest t, Revision rev, PodAutoscaler.PodAutoscalerStatus status) {
    PodAutoscaler pa = RevisionReconciler.desiredPodAutoscaler(rev);
    pa.status = status;
    return t.seed(pa);
  }

  /** Seeds the Revision's ServerlessService as the Revision reconciler creates it. */
  static ServerlessService serverlessService(TableTest t, Revision rev) {
    return t.seed(RevisionReconciler.desiredServerlessService(rev));
  }

  /** The chain up to a stamped Revision: Service, Configuration, Revision. */
  static Revision serviceToRevision(TableTest t) {
    Service svc = service(t, hello("World", ""));
    return revision(t, configuration(t, svc));
  }

  /**
   * A Ready Revision status, as the Revision reconciler writes it once initial scale is reached.
   */
  static Revision.RevisionStatus readyRevision(Clock clock) {
    Revision.RevisionStatus st = new Revision.RevisionStatus();
    st.markResourcesAvailable(clock);
    st.markContainerHealthy(clock);
    st.rollUpReady(clock);
    st.observedGeneration = 1L;
    st.annotations = new LinkedHashMap<>(Map.of(Engine.ANNOTATION, "process"));
    return st;
  }
}
