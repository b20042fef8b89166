package dev.coldbrew.controller;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.RevisionTemplateSpec;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.TrafficTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Service → its Configuration and Route of the same name (labels and annotations propagated, owner
 * references set), and the Service's status rolled up from theirs: ConfigurationsReady,
 * RoutesReady, Ready, url, traffic and the latest revision names.
 */
final class ServiceReconciler extends KindReconciler<Service> {

  ServiceReconciler(ControllerContext ctx) {
    super(ctx, Kind.SERVICE);
  }

  @Override
  protected Duration reconcileKind(Service svc) {
    var st = svc.status;
    Configuration cfg = ensure(svc, desiredConfiguration(svc), Kind.CONFIGURATION);
    Route route = ensure(svc, desiredRoute(svc), Kind.ROUTE);

    if (cfg == null) {
      st.markConfigurationNotOwned(svc.metadata.name, ctx.clock());
    } else if (!current(cfg) || !sameSpec(cfg, svc)) {
      st.markConfigurationNotReconciled(ctx.clock());
    } else {
      st.propagateConfigurationStatus(cfg.status, ctx.clock());
    }
    if (route == null) {
      st.markRouteNotOwned(svc.metadata.name, ctx.clock());
    } else if (!current(route)) {
      st.markRouteNotReconciled(ctx.clock());
    } else {
      st.propagateRouteStatus(route.status, ctx.clock());
    }
    return null; // when deleted, the store cascades to the children
  }

  private static boolean current(Resource r) {
    return r.status() != null
        && Objects.equals(r.status().observedGeneration, r.metadata.generation);
  }

  private static boolean sameSpec(Configuration cfg, Service svc) {
    return tree(cfg.spec.template).equals(tree(svc.spec.template));
  }

  private static JsonNode tree(Object o) {
    return ResourceCodec.json().valueToTree(o);
  }

  /**
   * Creates the child or updates its spec, labels and annotations to the desired ones. Returns the
   * child as now stored, or null when a child of that name exists that this Service does not own.
   */
  @SuppressWarnings("unchecked")
  private <T extends Resource> T ensure(Service svc, T desired, Kind kind) {
    Optional<T> existing = ctx.get(kind, svc.metadata.namespace, svc.metadata.name);
    if (existing.isEmpty()) {
      return (T) ctx.store().create(desired);
    }
    T have = existing.get();
    if (!ControllerContext.ownedBy(have, svc)) {
      return null;
    }
    if (ResourceCodec.toTree(desired).get("spec").equals(ResourceCodec.toTree(have).get("spec"))
        && Objects.equals(desired.metadata.labels, have.metadata.labels)
        && Objects.equals(desired.metadata.annotations, have.metadata.annotations)) {
      return have;
    }
    T update = ResourceCodec.copy(have);
    update.metadata.labels = desired.metadata.labels;
    update.metadata.annotations = desired.metadata.annotations;
    if (update instanceof Configuration c) {
      c.spec = ((Configuration) desired).spec;
    } else if (update instanceof Route r) {
      r.spec = ((Route) desired).spec;
    }
    return (T) ctx.store().update(update);
  }

  private static void meta(Service svc, Resource child) {
    child.metadata.name = svc.metadata.name;
    child.metadata.namespace = svc.metadata.namespace;
    Map<String, String> labels = new LinkedHashMap<>();
    if (svc.metadata.labels != null) {
      labels.putAll(svc.metadata.labels);
    }
    labels.put(Labels.SERVICE, svc.metadata.name);
    child.metadata.labels = labels;
    if (svc.metadata.annotations != null) {
      Map<String, String> ann = new LinkedHashMap<>(svc.metadata.annotations);
      ann.remove(Labels.LAST_APPLIED);
      child.metadata.annotations = ann.isEmpty() ? null : ann;
    }
    child.metadata.ownerReferences = new ArrayList<>(List.of(OwnerReference.controllerOf(svc)));
  }

  static Configuration desiredConfiguration(Service svc) {
    Configuration c = new Configuration();
    meta(svc, c);
    c.spec.template =
        ResourceCodec.json().convertValue(svc.spec.template, RevisionTemplateSpec.class);
    return c;
  }

  static Route desiredRoute(Service svc) {
    Route r = new Route();
    meta(svc, r);
    List<TrafficTarget> traffic = new ArrayList<>();
    if (svc.spec.traffic != null) {
      for (TrafficTarget t : svc.spec.traffic) {
        TrafficTarget c = new TrafficTarget(t);
        if (c.revisionName == null) {
          c.configurationName = svc.metadata.name;
        }
        traffic.add(c);
      }
    }
    r.spec.traffic = traffic;
    return r;
  }
}
