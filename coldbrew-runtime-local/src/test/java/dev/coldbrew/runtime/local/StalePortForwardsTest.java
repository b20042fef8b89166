package dev.coldbrew.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.runtime.local.StalePortForwards.Forward;
import dev.coldbrew.runtime.local.StalePortForwards.Rule;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StalePortForwardsTest {
  static final String LIVE = "637c9be730be6bc6bdb8e74336d21d95b06339221c389150d348dd0cf42ef268";
  static final String GONE = "1111111111111111111111111111111111111111111111111111111111111111";

  /** {@code iptables -t nat -S NETAVARK-HOSTPORT-DNAT} as netavark 1.x writes it. */
  static final List<String> HOSTPORT =
      List.of(
          "-N NETAVARK-HOSTPORT-DNAT",
          "-A NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 42905 -m comment --comment \"dnat name:"
              + " podman id: "
              + LIVE
              + "\" -j NETAVARK-DN-1D8721804F16F",
          "-A NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 45001 -m comment --comment \"dnat name:"
              + " podman id: "
              + GONE
              + "\" -j NETAVARK-DN-1D8721804F16F");

  static final List<String> DN =
      List.of(
          "-N NETAVARK-DN-1D8721804F16F",
          "-A NETAVARK-DN-1D8721804F16F -s 10.88.0.0/16 -d 127.0.0.1/32 -p tcp -m tcp --dport 42905"
              + " -j NETAVARK-HOSTPORT-SETMARK",
          "-A NETAVARK-DN-1D8721804F16F -d 127.0.0.1/32 -p tcp -m tcp --dport 42905 -j DNAT"
              + " --to-destination 10.88.0.2:8080",
          "-A NETAVARK-DN-1D8721804F16F -s 10.88.0.0/16 -d 127.0.0.1/32 -p tcp -m tcp --dport 45001"
              + " -j NETAVARK-HOSTPORT-SETMARK",
          "-A NETAVARK-DN-1D8721804F16F -d 127.0.0.1/32 -p tcp -m tcp --dport 45001 -j DNAT"
              + " --to-destination 10.88.0.3:8080",
          "-A NETAVARK-DN-1D8721804F16F -d 127.0.0.1/32 -p tcp -m tcp --dport 450010 -j DNAT"
              + " --to-destination 10.88.0.9:8080");

  static List<Forward> forwards(List<String> lines) {
    return lines.stream().map(Forward::parse).filter(Objects::nonNull).toList();
  }

  @Test
  void aForwardIsReadWithItsContainerPortAndChain() {
    List<Forward> f = forwards(HOSTPORT);
    assertThat(f).hasSize(2);
    assertThat(f.get(0).containerId()).isEqualTo(LIVE);
    assertThat(f.get(0).port()).isEqualTo("42905");
    assertThat(f.get(0).target()).isEqualTo("NETAVARK-DN-1D8721804F16F");
    assertThat(f.get(0).rule().chain()).isEqualTo("NETAVARK-HOSTPORT-DNAT");
  }

  @Test
  void onlyTheForwardOfAContainerThatIsGoneAndTheRulesOfItsPortAreDeleted() {
    List<Rule> delete = StalePortForwards.stale(forwards(HOSTPORT), DN, Set.of(LIVE));
    assertThat(delete).hasSize(3);
    assertThat(delete.get(0).spec()).contains("--dport 45001").contains(GONE);
    assertThat(delete.subList(1, 3))
        .allSatisfy(
            r -> {
              assertThat(r.chain()).isEqualTo("NETAVARK-DN-1D8721804F16F");
              assertThat(r.spec()).contains("--dport 45001 ");
            });
  }

  @Test
  void aShortenedLiveIdCountsAndNothingIsDeletedWhenEveryContainerLives() {
    assertThat(StalePortForwards.stale(forwards(HOSTPORT), DN, Set.of(LIVE, GONE))).isEmpty();
    assertThat(StalePortForwards.stale(forwards(HOSTPORT), DN, Set.of(""))).hasSize(6);
    assertThat(StalePortForwards.stale(forwards(HOSTPORT), DN, Set.of(LIVE, GONE.substring(0, 12))))
        .isEmpty();
  }

  @Test
  void aPortAStaleAndALiveForwardShareKeepsItsRules() {
    String alsoLive =
        HOSTPORT.get(2).replace(GONE, LIVE.replace('6', '7')); // another live container, port 45001
    List<Rule> delete =
        StalePortForwards.stale(
            forwards(List.of(HOSTPORT.get(2), alsoLive)), DN, Set.of(LIVE.replace('6', '7')));
    assertThat(delete).singleElement().satisfies(r -> assertThat(r.spec()).contains(GONE));
  }

  @Test
  void linesThatAreNotForwardsAreIgnored() {
    assertThat(
            forwards(
                List.of(
                    "-P OUTPUT ACCEPT",
                    "-A OUTPUT -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT",
                    "-A NETAVARK-HOSTPORT-DNAT -p tcp -m tcp --dport 1 -j NETAVARK-DN-1D87",
                    "-A NETAVARK-HOSTPORT-DNAT -m comment --comment \"podman id: abcdefabcdef\"",
                    "",
                    "garbage")))
        .isEmpty();
  }

  @Test
  void aQuotedCommentIsOneArgumentAgainWithoutItsQuotes() {
    assertThat(
            StalePortForwards.unquote(
                List.of("-m", "comment", "--comment", "\"dnat", "name:", "podman\"", "-j", "X")))
        .containsExactly("-m", "comment", "--comment", "dnat name: podman", "-j", "X");
    assertThat(StalePortForwards.unquote(List.of("\"one\"", "two"))).containsExactly("one", "two");
  }
}
