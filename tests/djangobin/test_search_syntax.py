"""What a search box's text means (djangobin/search/syntax.py), read once for both databases."""

import pytest

from djangobin.search.syntax import SearchQueryError, Term, parse_query


def shape(text):
    query = parse_query(text)
    clauses = [[(" ".join(t.words), t.prefix, t.substring) for t in clause] for clause in query.clauses]
    return clauses, [" ".join(t.words) for t in query.excluded]


def test_or_binds_tighter_than_and_as_in_web_search_engines():
    assert shape("sad cat OR dog") == ([[("sad", False, False)], [("cat", False, False), ("dog", False, False)]], [])


def test_only_upper_case_operators_are_operators():
    assert shape("a or b and c not d") == (
        [[(word, False, False)] for word in ["a", "or", "b", "and", "c", "not", "d"]],
        [],
    )


def test_a_chunk_joined_by_punctuation_is_a_phrase_and_a_quoted_one_may_be_left_open():
    assert shape('os.path "a comment') == ([[("os path", False, False)], [("a comment", False, False)]], [])


def test_exclusions_stand_alone_and_end_alternatives():
    assert shape("a OR -b c") == ([[("a", False, False)], [("c", False, False)]], ["b"])
    assert shape('x -"a phrase" NOT y') == ([[("x", False, False)]], ["a phrase", "y"])


def test_a_word_in_a_script_without_spaces_is_a_substring_and_so_is_a_phrase_holding_one():
    assert parse_query("日本語").terms == (Term(("日本語",), substring=True),)
    assert parse_query('"日本語 テキスト"').terms == (Term(("日本語 テキスト",), substring=True),)
    assert parse_query("日本*").terms == (Term(("日本",), substring=True),)


def test_a_repeated_term_counts_once():
    assert shape("a a OR a") == ([[("a", False, False)]], [])


@pytest.mark.parametrize("text", ["", "   ", "-x", "NOT x", "ab*", "((( )))", '"'])
def test_a_query_that_finds_nothing_is_an_error_with_a_reason(text):
    with pytest.raises(SearchQueryError):
        parse_query(text)
