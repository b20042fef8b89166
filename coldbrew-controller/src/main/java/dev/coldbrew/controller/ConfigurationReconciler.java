package dev.coldbrew.controller;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Condition;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.RevisionSpec;
import dev.coldbrew.api.model.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Configuration → Revisions: stamps one immutable Revision per generation of the template, named
 * {@code <config>-00001}, {@code -00002}… or by the template's own name, and never for an unchanged
 * template (the store only bumps the generation when the spec changes). Tracks {@code
 * latestCreatedRevisionName} and {@code latestReadyRevisionName}: the ready one stays until a newer
 * one is ready, so traffic never moves to a revision that cannot serve.
 */
final class ConfigurationReconciler extends KindReconciler<Configuration> {

  ConfigurationReconciler(ControllerContext ctx) {
    super(ctx, Kind.CONFIGURATION);
  }

  @Override
  protected Duration reconcileKind(Configuration cfg) {
    var st = cfg.status;
    String name = revisionName(cfg);
    Revision rev = ctx.<Revision>get(Kind.REVISION, cfg.metadata.namespace, name).orElse(null);
    if (rev == null) {
      rev = (Revision) ctx.store().create(stamp(cfg, name));
    } else if (!ControllerContext.ownedBy(rev, cfg)) {
      st.markRevisionNotOwned(name, ctx.clock());
      return null;
    }
    st.latestCreatedRevisionName = name;
    Condition ready = rev.status == null ? null : rev.status.condition(Status.READY);
    if (ready != null && ready.isTrue()) {
      st.markLatestReady(name, ctx.clock());
    } else if (ready != null && ready.isFalse()) {
      st.markLatestCreatedFailed(name, ready.message, ctx.clock());
    } else {
      st.markLatestCreatedNotReady(cfg.metadata.name, ready, ctx.clock());
    }
    if (st.latestReadyRevisionName != null
        && ctx.get(Kind.REVISION, cfg.metadata.namespace, st.latestReadyRevisionName).isEmpty()) {
      st.latestReadyRevisionName = null; // deleted by the user
    }
    return null;
  }

  /** The template's name, or {@code <config>-<5-digit generation>}. */
  static String revisionName(Configuration cfg) {
    String own = cfg.spec.template.metadata == null ? null : cfg.spec.template.metadata.name;
    return own != null && !own.isEmpty()
        ? own
        : Names.revision(cfg.metadata.name, cfg.metadata.generation);
  }

  /** The Revision the configuration stamps for its current template, named {@code name}. */
  static Revision stamp(Configuration cfg, String name) {
    Revision rev = new Revision();
    rev.metadata.name = name;
    rev.metadata.namespace = cfg.metadata.namespace;
    Map<String, String> labels = new LinkedHashMap<>();
    if (cfg.spec.template.metadata.labels != null) {
      labels.putAll(cfg.spec.template.metadata.labels);
    }
    labels.put(Labels.CONFIGURATION, cfg.metadata.name);
    labels.put(Labels.CONFIGURATION_UID, cfg.metadata.uid);
    labels.put(Labels.CONFIGURATION_GENERATION, String.valueOf(cfg.metadata.generation));
    String svc = cfg.metadata.label(Labels.SERVICE);
    if (svc != null) {
      labels.put(Labels.SERVICE, svc);
      OwnerReference owner = cfg.metadata.controllerRef();
      if (owner != null) {
        labels.put(Labels.SERVICE_UID, owner.uid);
      }
    }
    labels.put(Labels.ROUTING_STATE, "pending");
    rev.metadata.labels = labels;
    if (cfg.spec.template.metadata.annotations != null) {
      rev.metadata.annotations = new LinkedHashMap<>(cfg.spec.template.metadata.annotations);
    }
    rev.metadata.ownerReferences = new ArrayList<>(List.of(OwnerReference.controllerOf(cfg)));
    rev.spec = ResourceCodec.json().convertValue(cfg.spec.template.spec, RevisionSpec.class);
    return rev;
  }
}
