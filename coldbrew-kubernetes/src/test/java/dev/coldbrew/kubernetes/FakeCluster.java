package dev.coldbrew.kubernetes;

import dev.coldbrew.api.model.Kind;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of a cluster the mock API server lacks, played on it in a loop (every {@code period}):
 *
 * <ul>
 *   <li>the <b>Deployment controller and kubelet</b>: a Deployment scaled to N gets N pods {@code
 *       <deployment>-<i>} (owned by the Deployment; a real cluster puts a ReplicaSet between) with
 *       loopback IPs 127.0.0.2, 127.0.0.3, …, not ready at first and ready once {@code readyAfter}
 *       has passed (unless held back with {@link #holdNotReady}); surplus pods are deleted from the
 *       highest index down; the Deployment's status counts them;
 *   <li>the <b>EndpointSlice controller</b>: a Service with a selector gets one slice {@code
 *       <service>-fake} listing the selected pods with their readiness and the Service's ports
 *       resolved to the pods' container ports, labelled with the Service's labels (as the real
 *       controller copies them);
 *   <li>the <b>garbage collector</b>: an object whose owner (by uid) is gone is deleted, after a
 *       live read of the owner (as the real one, so an owner created a moment ago is not mistaken
 *       for a deleted one).
 * </ul>
 *
 * Its requests carry the User-Agent {@value #AGENT}, so tests can tell them from the controller's.
 * Thread-safe; all work runs on one thread of its own.
 */
final class FakeCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FakeCluster.class);
  static final String AGENT = "coldbrew-fake-cluster";
  static final String SLICE_MANAGER = "endpointslice-controller.k8s.io";

  /** Every kind whose objects can own or be owned, for the garbage collector. */
  private static final List<ResourceDefinitionContext> KINDS = kinds();

  private final KubernetesClient client;
  private final Duration readyAfter;
  private final ScheduledExecutorService loop;
  private final Map<String, Long> born = new ConcurrentHashMap<>();
  private final Map<String, String> ips = new ConcurrentHashMap<>();
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final AtomicInteger nextIp = new AtomicInteger();
  private final AtomicInteger collected = new AtomicInteger();
  private final AtomicInteger passes = new AtomicInteger();

  private FakeCluster(KubernetesClient client, Duration readyAfter, Duration period) {
    this.client = client;
    this.readyAfter = readyAfter;
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fake-cluster");
              t.setDaemon(true);
              return t;
            });
    loop.scheduleWithFixedDelay(this::tick, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Starts playing the cluster on {@code api}. */
  static FakeCluster start(MockApiServer api, Duration readyAfter) {
    return new FakeCluster(api.client(AGENT), readyAfter, Duration.ofMillis(100));
  }

  private static List<ResourceDefinitionContext> kinds() {
    List<ResourceDefinitionContext> out = new ArrayList<>();
    for (Kind k : Crds.kinds()) {
      out.add(ClusterKinds.context(k));
    }
    out.add(context("apps", "v1", "deployments", "Deployment"));
    out.add(context("", "v1", "pods", "Pod"));
    out.add(context("", "v1", "services", "Service"));
    out.add(context("", "v1", "endpoints", "Endpoints"));
    out.add(context("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"));
    return out;
  }

  private static ResourceDefinitionContext context(
      String group, String version, String plural, String kind) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(group)
        .withVersion(version)
        .withPlural(plural)
        .withKind(kind)
        .withNamespaced(true)
        .build();
  }

  /** Pods whose name starts with {@code prefix} stay not ready until {@link #release}. */
  void holdNotReady(String prefix) {
    held.add(prefix);
  }

  /** Lets held pods become ready. */
  void release(String prefix) {
    held.remove(prefix);
  }

  /** How many passes over the cluster have completed without an error. */
  int passes() {
    return passes.get();
  }

  /** How many objects the garbage collector has deleted. */
  int collected() {
    return collected.get();
  }

  private void tick() {
    try {
      for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
        runPods(d);
      }
      for (Service s : client.services().inAnyNamespace().list().getItems()) {
        if (coreService(s)
            && s.getSpec().getSelector() != null
            && !s.getSpec().getSelector().isEmpty()) {
          writeSlice(s);
        }
      }
      collectGarbage();
      passes.incrementAndGet();
    } catch (KubernetesClientException | IllegalStateException e) {
      LOG.debug("fake cluster tick failed: {}", e.toString());
    } catch (RuntimeException e) {
      LOG.warn("fake cluster tick failed", e);
    }
  }

  /**
   * The mock lists our CRD's Services (serving.coldbrew.dev/v1, plural {@code services}) among core
   * Services too (it matches on version and plural, not group); a real API server does not.
   */
  static boolean coreService(HasMetadata s) {
    return "v1".equals(s.getApiVersion());
  }

  // ------------------------------------------------------------ kubelet

  private static boolean ownedBy(io.fabric8.kubernetes.api.model.HasMetadata o, String uid) {
    return o.getMetadata().getOwnerReferences() != null
        && o.getMetadata().getOwnerReferences().stream().anyMatch(r -> uid.equals(r.getUid()));
  }

  private static boolean ready(Pod p) {
    return p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static int index(Pod p) {
    String n = p.getMetadata().getName();
    return Integer.parseInt(n.substring(n.lastIndexOf('-') + 1));
  }

  private void runPods(Deployment d) {
    String ns = d.getMetadata().getNamespace();
    String name = d.getMetadata().getName();
    int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    List<Pod> pods = new ArrayList<>();
    for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
      if (ownedBy(p, d.getMetadata().getUid())) {
        pods.add(p);
      }
    }
    pods.sort(Comparator.comparingInt(FakeCluster::index));
    Set<Integer> used = new HashSet<>();
    pods.forEach(p -> used.add(index(p)));
    for (int i = 0; pods.size() < want; i++) {
      if (!used.contains(i)) {
        pods.add(createPod(d, i));
      }
    }
    while (pods.size() > want) {
      Pod surplus = pods.remove(pods.size() - 1);
      client.pods().inNamespace(ns).withName(surplus.getMetadata().getName()).delete();
    }
    int ready = 0;
    for (Pod p : pods) {
      String key = ns + "/" + p.getMetadata().getName();
      boolean due =
          System.nanoTime() - born.getOrDefault(key, System.nanoTime()) >= readyAfter.toNanos()
              && held.stream().noneMatch(h -> p.getMetadata().getName().startsWith(h));
      if (!ready(p) && due) {
        p.getStatus().setConditions(List.of(condition("True")));
        client.pods().inNamespace(ns).resource(p).updateStatus();
      }
      if (ready(p) || due) {
        ready++;
      }
    }
    var status =
        new DeploymentStatusBuilder()
            .withObservedGeneration(d.getMetadata().getGeneration())
            .withReplicas(pods.size())
            .withUpdatedReplicas(pods.size())
            .withReadyReplicas(ready)
            .withAvailableReplicas(ready)
            .build();
    if (!status.equals(d.getStatus())) {
      d.setStatus(status);
      client.apps().deployments().inNamespace(ns).resource(d).updateStatus();
    }
    LOG.debug("{}/{}: {} pods, {} ready", ns, name, pods.size(), ready);
  }

  private static PodCondition condition(String status) {
    return new PodConditionBuilder().withType("Ready").withStatus(status).build();
  }

  private Pod createPod(Deployment d, int i) {
    String ns = d.getMetadata().getNamespace();
    String name = d.getMetadata().getName() + "-" + i;
    String ip =
        ips.computeIfAbsent(
            ns + "/" + name,
            k -> {
              int n = nextIp.getAndIncrement();
              return "127.0." + (n / 250) + "." + (n % 250 + 2);
            });
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .withLabels(new LinkedHashMap<>(d.getSpec().getTemplate().getMetadata().getLabels()))
            .withOwnerReferences(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withApiVersion("apps/v1")
                    .withKind("Deployment")
                    .withName(d.getMetadata().getName())
                    .withUid(d.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .endMetadata()
            .withSpec(d.getSpec().getTemplate().getSpec())
            .withNewStatus()
            .withPhase("Running")
            .withPodIP(ip)
            .withHostIP("127.0.0.1")
            .withConditions(condition("False"))
            .endStatus()
            .build();
    born.put(ns + "/" + name, System.nanoTime());
    Pod created = client.pods().inNamespace(ns).resource(pod).create();
    if (created.getStatus() == null || created.getStatus().getPodIP() == null) {
      created.setStatus(pod.getStatus());
      created = client.pods().inNamespace(ns).resource(created).updateStatus();
    }
    return created;
  }

  // ------------------------------------------------------------ EndpointSlice controller

  private void writeSlice(Service s) {
    String ns = s.getMetadata().getNamespace();
    Map<String, String> selector = s.getSpec().getSelector();
    List<Pod> pods = new ArrayList<>();
    for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
      Map<String, String> labels = p.getMetadata().getLabels();
      if (labels != null && labels.entrySet().containsAll(selector.entrySet())) {
        pods.add(p);
      }
    }
    pods.sort(Comparator.comparing(p -> p.getStatus().getPodIP()));
    List<Endpoint> endpoints = new ArrayList<>();
    for (Pod p : pods) {
      boolean ready = ready(p);
      endpoints.add(
          new EndpointBuilder()
              .withAddresses(p.getStatus().getPodIP())
              .withNewConditions()
              .withReady(ready)
              .withServing(ready)
              .withTerminating(false)
              .endConditions()
              .withNodeName("fake-node")
              .withTargetRef(
                  new ObjectReferenceBuilder()
                      .withKind("Pod")
                      .withNamespace(ns)
                      .withName(p.getMetadata().getName())
                      .withUid(p.getMetadata().getUid())
                      .build())
              .build());
    }
    List<EndpointPort> ports = new ArrayList<>();
    for (ServicePort sp : s.getSpec().getPorts()) {
      Integer port = resolve(sp.getTargetPort(), pods);
      if (port != null) {
        ports.add(
            new EndpointPortBuilder()
                .withName(sp.getName())
                .withPort(port)
                .withProtocol(sp.getProtocol())
                .withAppProtocol(sp.getAppProtocol())
                .build());
      }
    }
    String name = s.getMetadata().getName() + "-fake";
    Map<String, String> labels = new LinkedHashMap<>();
    if (s.getMetadata().getLabels() != null) {
      labels.putAll(s.getMetadata().getLabels());
    }
    EndpointSlice want =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .withLabels(labels)
            .addToLabels("kubernetes.io/service-name", s.getMetadata().getName())
            .addToLabels("endpointslice.kubernetes.io/managed-by", SLICE_MANAGER)
            .withOwnerReferences(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("Service")
                    .withName(s.getMetadata().getName())
                    .withUid(s.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .endMetadata()
            .withAddressType("IPv4")
            .withEndpoints(endpoints)
            .withPorts(ports)
            .build();
    var api = client.discovery().v1().endpointSlices().inNamespace(ns);
    EndpointSlice have = api.withName(name).get();
    if (have == null) {
      api.resource(want).create();
    } else if (!Objects.equals(have.getEndpoints(), want.getEndpoints())
        || !Objects.equals(have.getPorts(), want.getPorts())
        || !Objects.equals(have.getMetadata().getLabels(), want.getMetadata().getLabels())) {
      have.setEndpoints(want.getEndpoints());
      have.setPorts(want.getPorts());
      have.getMetadata().setLabels(want.getMetadata().getLabels());
      api.resource(have).update();
    }
  }

  private static Integer resolve(IntOrString target, List<Pod> pods) {
    if (target == null) {
      return null;
    }
    if (target.getIntVal() != null) {
      return target.getIntVal();
    }
    for (Pod p : pods) {
      for (var c : p.getSpec().getContainers()) {
        if (c.getPorts() != null) {
          for (ContainerPort cp : c.getPorts()) {
            if (target.getStrVal().equals(cp.getName())) {
              return cp.getContainerPort();
            }
          }
        }
      }
    }
    return null;
  }

  // ------------------------------------------------------------ garbage collector

  private void collectGarbage() {
    Set<String> uids = new HashSet<>();
    List<GenericKubernetesResource> all = new ArrayList<>();
    for (ResourceDefinitionContext k : KINDS) {
      for (GenericKubernetesResource o :
          client.genericKubernetesResources(k).inAnyNamespace().list().getItems()) {
        if (uids.add(o.getMetadata().getUid())) {
          all.add(o);
        }
      }
    }
    for (GenericKubernetesResource o : all) {
      List<OwnerReference> owners = o.getMetadata().getOwnerReferences();
      if (owners == null || owners.isEmpty()) {
        continue;
      }
      boolean orphan = true;
      for (OwnerReference ref : owners) {
        if (uids.contains(ref.getUid()) || ownerStillThere(o, ref)) {
          orphan = false;
          break;
        }
      }
      if (orphan) {
        ResourceDefinitionContext k = contextOf(o.getApiVersion(), o.getKind());
        client
            .genericKubernetesResources(k)
            .inNamespace(o.getMetadata().getNamespace())
            .withName(o.getMetadata().getName())
            .delete();
        collected.incrementAndGet();
        LOG.debug(
            "collected {} {}/{}",
            o.getKind(),
            o.getMetadata().getNamespace(),
            o.getMetadata().getName());
      }
    }
  }

  /** A live read of the owner: true when it exists with the referenced uid. */
  private boolean ownerStillThere(GenericKubernetesResource dependent, OwnerReference ref) {
    ResourceDefinitionContext k = contextOf(ref.getApiVersion(), ref.getKind());
    if (k == null) {
      return true; // an owner kind we do not play: never collect
    }
    GenericKubernetesResource owner =
        client
            .genericKubernetesResources(k)
            .inNamespace(dependent.getMetadata().getNamespace())
            .withName(ref.getName())
            .get();
    return owner != null && ref.getUid().equals(owner.getMetadata().getUid());
  }

  private static ResourceDefinitionContext contextOf(String apiVersion, String kind) {
    for (ResourceDefinitionContext k : KINDS) {
      String av = k.getGroup().isEmpty() ? k.getVersion() : k.getGroup() + "/" + k.getVersion();
      if (av.equals(apiVersion) && k.getKind().equals(kind)) {
        return k;
      }
    }
    return null;
  }

  @Override
  public void close() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
