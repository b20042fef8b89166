package dev.coldbrew.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdminAccessTest {
  final TestClock clock = new TestClock(1_000_000);
  final AdminAccess access = new AdminAccess("t0ken", Set.of("localhost"), clock);

  @Test
  void aLoginLinkIsRedeemedOnceAndOnlyWhileFresh() {
    String link = access.newLoginLink();
    assertThat(link).matches("[0-9a-f]{64}");
    String session = access.redeem(link);
    assertThat(session).matches("[0-9a-f]{64}").isNotEqualTo(link);
    assertThat(access.redeem(link)).as("used").isNull();
    assertThat(access.sessionLive(session)).isTrue();
    assertThat(access.sessionLive(link)).as("a link is not a session").isFalse();

    String late = access.newLoginLink();
    clock.advance(AdminAccess.LINK_LIFETIME.toMillis() + 1);
    assertThat(access.redeem(late)).as("expired").isNull();
    assertThat(access.redeem(null)).isNull();
    assertThat(access.redeem("")).isNull();
    assertThat(access.redeem("not-a-link")).isNull();

    clock.advance(AdminAccess.SESSION_LIFETIME.toMillis());
    assertThat(access.sessionLive(session)).as("expired session").isFalse();
  }

  @Test
  void linksAndSessionsAreBounded() {
    List<String> links = new java.util.ArrayList<>();
    for (int i = 0; i < AdminAccess.MAX_LINKS + 10; i++) {
      links.add(access.newLoginLink());
      clock.advance(1);
    }
    assertThat(access.redeem(links.get(0))).as("the oldest went").isNull();
    assertThat(access.redeem(links.get(links.size() - 1))).isNotNull();
    Set<String> sessions = new HashSet<>();
    for (int i = 0; i < AdminAccess.MAX_SESSIONS + 10; i++) {
      sessions.add(access.redeem(access.newLoginLink()));
    }
    assertThat(sessions).hasSize(AdminAccess.MAX_SESSIONS + 10).doesNotContainNull();
  }

  @Test
  void aTokenIsRequired() {
    assertThatThrownBy(() -> new AdminAccess(" ", Set.of(), clock))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AdminAccess(null, Set.of(), clock))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hostHeadersAreParsedStrictly() {
    assertThat(AdminAccess.hostOf("localhost:8081")).isEqualTo("localhost");
    assertThat(AdminAccess.hostOf("127.0.0.1")).isEqualTo("127.0.0.1");
    assertThat(AdminAccess.hostOf("[::1]:8081")).isEqualTo("[::1]");
    assertThat(AdminAccess.hostOf("Rebind.Evil.Example:8081")).isEqualTo("Rebind.Evil.Example");
    for (String bad :
        List.of(
            "%41",
            "",
            ":8081",
            "a b",
            "a/b",
            "[::1",
            "[::1]x",
            "[zz]",
            "h:80:80",
            "h:",
            "h:1234567",
            "a_b",
            "-a")) {
      assertThat(AdminAccess.hostOf(bad)).as(bad).isNull();
    }
  }

  @Test
  void canonicalFormsMatchWhateverTheSpelling() {
    assertThat(AdminAccess.canonical("LocalHost.")).isEqualTo("localhost");
    assertThat(AdminAccess.canonical("[::1]")).isEqualTo("0:0:0:0:0:0:0:1");
    assertThat(AdminAccess.canonical("[0:0::1]")).isEqualTo("0:0:0:0:0:0:0:1");
    assertThat(AdminAccess.canonical("[::zz]")).isEqualTo("::zz"); // not an address: no match
  }

  @Test
  void allowedHostsAreLoopbackTheBindAddressAndForAWildcardTheMachine() {
    assertThat(AdminAccess.allowedHosts("127.0.0.1", List.of()))
        .containsExactlyInAnyOrder("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");
    assertThat(
            AdminAccess.allowedHosts("127.0.0.1", List.of("Coldbrew.Example.com", "[2001:db8::7]")))
        .contains("coldbrew.example.com", "2001:db8:0:0:0:0:0:7");
    Set<String> wildcard = AdminAccess.allowedHosts("0.0.0.0", List.of());
    assertThat(wildcard).contains("localhost", "127.0.0.1", "0.0.0.0");
    assertThat(wildcard.size()).as("the machine's own addresses too").isGreaterThan(4);
    assertThat(wildcard).doesNotContain("rebind.evil.example");
  }
}
