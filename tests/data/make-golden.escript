#!/usr/bin/env escript
%% -*- erlang -*-
%% make-golden.escript: writes the golden ETF vectors of the proto tests.
%%
%%   escript tests/data/make-golden.escript > tests/data/golden.txt
%%
%% Each vector is a block of lines:
%%   # the term, for people (cut short)
%%   T the term in the tests' notation (see tests/proto/testutil.h)
%%   E term_to_binary(T, [{minor_version, 2}]) in hex: our bytes must be
%%     these (absent for maps of more than 32 keys, whose order OTP does
%%     not fix)
%%   D other bytes OTP writes for T (default options, compressed, minor
%%     version 0) that must decode to T
%% and blocks are separated by an empty line.
-mode(compile).

main(_) ->
    io:put_chars(["# Golden ETF vectors written by make-golden.escript, OTP ",
                  erlang:system_info(otp_release), ".\n\n"]),
    lists:foreach(fun vector/1, terms()).

vector(T) ->
    E = term_to_binary(T, [{minor_version, 2}]),
    Others = [term_to_binary(T), term_to_binary(T, [compressed]),
              term_to_binary(T, [{compressed, 9}, {minor_version, 2}])]
        ++ [term_to_binary(T, [{minor_version, 0}]) || not has_float(T)],
    Canonical = not has_big_map(T),
    Ds = lists:usort([D || D <- Others, D =/= E orelse not Canonical]),
    T = binary_to_term(E),
    io:put_chars([comment(T), "\nT ", note(T), "\n",
                  [["E ", hex(E), "\n"] || Canonical],
                  [["D ", hex(D), "\n"] || D <- Ds], "\n"]).

comment(T) ->
    S = lists:flatten(io_lib:format("~tW", [T, 6])),
    Short = case length(S) > 100 of
                true -> lists:sublist(S, 100) ++ "...";
                false -> S
            end,
    ["# ", [ascii(C) || C <- Short]].

ascii(C) when C >= 32, C < 127 -> C;
ascii(C) -> io_lib:format("\\x{~.16b}", [C]).

has_float(F) when is_float(F) -> true;
has_float(T) when is_tuple(T) -> has_float(tuple_to_list(T));
has_float(L) when is_list(L) -> lists:any(fun has_float/1, L);
has_float(M) when is_map(M) -> has_float(maps:to_list(M));
has_float(_) -> false.

has_big_map(M) when is_map(M) ->
    map_size(M) > 32 orelse has_big_map(maps:to_list(M));
has_big_map(T) when is_tuple(T) -> has_big_map(tuple_to_list(T));
has_big_map(L) when is_list(L) -> lists:any(fun has_big_map/1, L);
has_big_map(_) -> false.

note(I) when is_integer(I) -> ["i", integer_to_list(I)];
note(F) when is_float(F) ->
    <<B:64>> = <<F/float>>,
    ["f", io_lib:format("~16.16.0b", [B])];
note(A) when is_atom(A) -> ["a", hex(atom_to_binary(A, utf8))];
note(B) when is_binary(B) -> ["b", hex(B)];
note(T) when is_tuple(T) -> ["t", seq(tuple_to_list(T))];
note(L) when is_list(L) -> ["l", seq(L)];
note(M) when is_map(M) ->
    ["m", integer_to_list(map_size(M)),
     [[" ", note(K), " ", note(V)] || {K, V} <- maps:to_list(M)]].

seq(L) -> [integer_to_list(length(L)), [[" ", note(E)] || E <- L]].

hex(B) -> [io_lib:format("~2.16.0b", [X]) || <<X>> <= B].

date(Y, M, D) ->
    #{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.ISO',
      year => Y, month => M, day => D}.

entry(Id, Date, Title) -> #{id => Id, date => Date, title => Title}.

todo_list(N) ->
    Es = [entry(I, date(2018 + I rem 3, 1 + I rem 12, 1 + I rem 28),
                <<"Task number ", (integer_to_binary(I))/binary>>)
          || I <- lists:seq(1, N)],
    #{'__struct__' => 'Elixir.Todo.List', next_id => N + 1,
      entries => maps:from_list([{maps:get(id, E), E} || E <- Es])}.

terms() ->
    integers() ++ floats() ++ atoms() ++ binaries() ++ tuples()
        ++ lists() ++ maps() ++ todo().

integers() ->
    [0, 1, 127, 128, 255, 256, -1, -255, -256, 65535, 65536, 16777216,
     2147483647, -2147483647, -2147483648, 2147483648, -2147483649,
     4294967295, 4294967296, -4294967296, 1 bsl 40, (1 bsl 56) - 1,
     1 bsl 56, -(1 bsl 56), 1 bsl 62, (1 bsl 63) - 1, -(1 bsl 63) + 1,
     -(1 bsl 63), 1234567890123456789, -987654321012345678].

floats() ->
    [0.0, 1.0, -1.0, -1.5, 0.1, 3.141592653589793, 1.0e300, -1.0e-300,
     5.0e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
     123456789.125, 9007199254740993.0].

atoms() ->
    [a, ok, error, true, false, nil, '', 'hello world', 'Elixir.Date',
     'Elixir.Calendar.ISO', '__struct__', 'A', '\'', 'é', 'ÿ', 'Ā',
     '日本語', '😀', list_to_atom(lists:duplicate(255, $a)),
     list_to_atom(lists:duplicate(255, $é)),
     list_to_atom(lists:duplicate(100, 8364)),
     list_to_atom(lists:duplicate(255, 128512)),
     list_to_atom([0, 1, 2])].

binaries() ->
    [<<>>, <<"abc">>, <<0, 255>>, <<"Dentist">>, <<"Zahnarzt ü€😀"/utf8>>,
     <<0:8000>>, list_to_binary(lists:seq(0, 255)), <<"2018-12-19">>].

tuples() ->
    [{}, {1}, {a, b, c}, {ok, 42}, {error, bad_frame},
     {server_process, <<"bob">>}, {{{}}},
     list_to_tuple(lists:seq(1, 255)), list_to_tuple(lists:seq(1, 256)),
     list_to_tuple([{I, [I]} || I <- lists:seq(1, 300)]),
     {add_entry, #{date => {2018, 12, 19}, title => <<"Dentist">>}},
     {update_entry, 7, #{title => <<"x">>}}].

lists() ->
    [[], [1], [1, 2, 3], "hello", [0], [255], [256], [-1], [1, 256],
     [a, b], [[]], [[], []], [[1], [2, [3]]], lists:seq(0, 255),
     lists:duplicate(1000, 7), [1.0], [<<"a">>, "b", c, {d}],
     lists:seq(1, 300), [#{}], [{a, 1}, {b, 2}]].

maps() ->
    [#{}, #{a => 1}, #{1 => a, 1.0 => b}, #{2 => b, 1.0 => a, 0.5 => c},
     #{a => 1, {x} => 2, [] => 3, "ab" => 4, <<"b">> => 5, #{} => 6,
       3 => 7, 2.5 => 8, -1 => 9, 1 bsl 40 => 10, -(1 bsl 63) => 11},
     #{[1] => x, "ab" => y, [a] => z, [] => w, [1, 2] => v},
     #{{1} => a, {1, 2} => b, {2} => c, {a} => d, {1.0} => e},
     #{#{a => 1} => x, #{b => 0} => y, #{a => 0} => z,
       #{a => 1, b => 2} => w, #{1 => 2} => v},
     #{<<>> => 1, <<0>> => 2, <<1>> => 3, <<0, 0>> => 4},
     #{'b' => 1, 'a' => 2, 'é' => 3, 'A' => 4, '' => 5, 'aa' => 6},
     maps:from_list([{I, I * I} || I <- lists:seq(1, 32)]),
     maps:from_list([{list_to_atom("k" ++ integer_to_list(I)), I}
                     || I <- lists:seq(1, 32)]),
     maps:from_list([{I, I} || I <- lists:seq(1, 33)]),
     maps:from_list([{integer_to_binary(I), I} || I <- lists:seq(1, 40)]),
     #{a => #{b => #{c => #{}}}}].

todo() ->
    [date(2018, 12, 19), date(0, 1, 1), date(9999, 12, 31),
     date(2024, 2, 29),
     entry(1, date(2018, 12, 19), <<"Dentist">>),
     entry(3000000000, date(2018, 12, 20), <<"Shopping ü"/utf8>>),
     entry((1 bsl 63) - 1, date(2018, 12, 19), <<"a", 0, "b">>),
     {ok, [entry(1, date(2018, 12, 19), <<"Dentist">>),
           entry(2, date(2018, 12, 20), <<"Shopping">>)]},
     {ok, 12345}, pong, {error, not_found},
     #{'__struct__' => 'Elixir.Todo.List', next_id => 1, entries => #{}},
     todo_list(3), todo_list(40)].
