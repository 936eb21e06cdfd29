"""`arrears compliance lint [--lang zh|en] [--pack P] [TEXT | -]`: hits on stdout, exit 1 on BLOCK."""

import io

import pytest
from django.core.management import CommandError, call_command


def run_lint(*args, stdin=None, monkeypatch=None):
    """Run the command; return its exit code and what it printed."""
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    try:
        call_command("compliance", "lint", *args, stdout=out, no_color=True)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


class TestComplianceLint:
    def test_a_clean_text_exits_0_and_says_so(self):
        code, output = run_lint("Your payment of $120 is due on 15 March. Thank you.")

        assert code == 0
        assert output == "No hits.\n"

    def test_a_blocked_text_exits_1_and_prints_each_hit(self):
        code, output = run_lint("Pay now or you go to jail, deadbeat.", "--pack", "us-regf")

        assert code == 1
        assert output.splitlines() == [
            'BLOCK   US-C09  21-25 "jail"  Threat of arrest, imprisonment, seizure or garnishment',
            'BLOCK   US-C02  27-35 "deadbeat"  Obscene, profane or abusive language',
            "2 hits; verdict: BLOCK.",
        ]

    def test_review_hits_alone_exit_0(self):
        code, output = run_lint("customer says bereaved, keep pushing", "--pack", "uk-conc")

        assert code == 0
        assert output.splitlines()[-1] == "1 hit; verdict: REVIEW."

    def test_lang_limits_the_rules_to_one_language(self):
        code, output = run_lint("deadbeat 老赖", "--lang", "zh", "--pack", "cn")

        assert code == 1
        assert output.splitlines() == [
            'BLOCK   CN-C03  9-11 "老赖"  Abuse or insult',
            "1 hit; verdict: BLOCK.",
        ]

    def test_several_packs_may_be_named(self):
        _code, output = run_lint("lawsuit", "--pack", "cn", "--pack", "uk-conc")

        assert [line.split()[1] for line in output.splitlines()[:-1]] == ["CN-C06", "UK-C03"]

    def test_reads_the_text_from_standard_input_with_a_dash(self, monkeypatch):
        code, output = run_lint("-", "--pack", "cn", stdin="不还钱就让你坐牢\n", monkeypatch=monkeypatch)

        assert code == 1
        assert output.splitlines()[0] == 'BLOCK   CN-C02  6-8 "坐牢"  Threats or intimidation'

    def test_prints_titles_in_chinese_for_a_chinese_user(self):
        _code, output = run_lint("老赖", "--pack", "cn", "--language", "zh-hans")

        assert output.splitlines()[0] == 'BLOCK   CN-C03  0-2 "老赖"  辱骂、侮辱'

    def test_refuses_an_unknown_pack_with_exit_2(self):
        with pytest.raises(
            CommandError, match="Unknown pack fr-code; known packs: cn, uk-conc, us-regf"
        ) as caught:
            run_lint("text", "--pack", "fr-code")

        assert caught.value.returncode == 2
