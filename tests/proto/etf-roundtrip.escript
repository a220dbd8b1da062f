#!/usr/bin/env escript
%% -*- erlang -*-
%% etf-roundtrip.escript: the Erlang side of test_roundtrip.
%%
%%   echo IN OUT        each line of IN is ETF in hex; OUT gets, per line,
%%                      term_to_binary(binary_to_term(B), [{minor_version, 2}])
%%                      in hex, or "error" if binary_to_term refuses B
%%   gen SEED N OUT     N random terms, a line each: the term in the tests'
%%                      notation, a tab, and term_to_binary(T, [{minor_version,
%%                      2}]), a tab, term_to_binary(T), both in hex
%%   check GEN OURS     for each line, binary_to_term of OURS equals the term
%%                      of GEN exactly; prints "ok N" or the bad line numbers
-mode(compile).

main(["echo", In, Out]) ->
    Lines = lines(In),
    ok = file:write_file(Out, [[echo(L), "\n"] || L <- Lines]);
main(["gen", Seed, N, Out]) ->
    rand:seed(exsss, {list_to_integer(Seed), 7, 11}),
    Terms = [term(0) || _ <- lists:seq(1, list_to_integer(N))],
    ok = file:write_file(Out,
        [[note(T), "\t", hex(term_to_binary(T, [{minor_version, 2}])), "\t",
          hex(term_to_binary(T)), "\n"] || T <- Terms]);
main(["check", Gen, Ours]) ->
    G = [binary_to_term(unhex(hd(tl(binary:split(L, <<"\t">>, [global])))))
         || L <- lines(Gen)],
    O = lines(Ours),
    Bad = [I || {I, T, L} <- lists:zip3(lists:seq(1, length(G)), G, O),
                not same(T, L)],
    case {length(G) =:= length(O), Bad} of
        {true, []} -> io:format("ok ~b~n", [length(G)]);
        {false, _} -> io:format("count ~b ~b~n", [length(G), length(O)]);
        _ -> io:format("bad ~w~n", [Bad])
    end.

same(T, L) ->
    try binary_to_term(unhex(L)) of
        U -> U =:= T
    catch
        _:_ -> false
    end.

echo(L) ->
    try binary_to_term(unhex(L)) of
        T -> hex(term_to_binary(T, [{minor_version, 2}]))
    catch
        _:_ -> "error"
    end.

lines(File) ->
    {ok, Data} = file:read_file(File),
    [L || L <- binary:split(Data, <<"\n">>, [global]), L =/= <<>>].

hex(B) -> string:lowercase(binary:encode_hex(B)).

unhex(H) -> binary:decode_hex(H).

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

%% Random terms: every type, edge values often, maps of at most 32 keys.
term(D) when D >= 4 -> leaf();
term(D) ->
    case rand:uniform(10) of
        N when N =< 5 -> leaf();
        6 -> list_to_tuple(terms(D, small()));
        7 -> terms(D, small());
        8 -> maps:from_list([{term(D + 1), term(D + 1)}
                             || _ <- lists:seq(1, small())]);
        9 -> [rand:uniform(256) - 1 || _ <- lists:seq(1, small())];
        10 -> case rand:uniform(4) of
                  1 -> list_to_tuple(terms(3, 255 + rand:uniform(20)));
                  2 -> maps:from_list([{I, leaf()}
                                       || I <- lists:seq(1, 32)]);
                  3 -> lists:seq(1, rand:uniform(300));
                  4 -> {}
              end
    end.

terms(D, N) -> [term(D + 1) || _ <- lists:seq(1, N)].

small() -> rand:uniform(7) - 1.

leaf() ->
    case rand:uniform(6) of
        1 -> int();
        2 -> float();
        3 -> atom();
        4 -> bin();
        5 -> [];
        6 -> int()
    end.

int() ->
    Edges = [0, 1, 255, 256, -1, -256, 2147483647, -2147483648,
             2147483648, -2147483649, (1 bsl 63) - 1, -(1 bsl 63),
             1 bsl 32, 1 bsl 56],
    case rand:uniform(4) of
        1 -> lists:nth(rand:uniform(length(Edges)), Edges);
        2 -> rand:uniform(256) - 1;
        3 -> rand:uniform(1 bsl 32) - (1 bsl 31);
        4 -> rand:uniform(1 bsl 64) - (1 bsl 63) - 1
    end.

float() ->
    case rand:uniform(3) of
        1 -> (rand:uniform() - 0.5) * 1.0e6;
        2 -> float(rand:uniform(1000));
        3 -> <<F/float>> = finite_bits(), F
    end.

finite_bits() ->
    B = <<(rand:uniform(1 bsl 64) - 1):64>>,
    case B of
        <<_:1, 2047:11, _:52>> -> finite_bits();
        _ -> B
    end.

atom() ->
    Chars = case rand:uniform(4) of
                1 -> [$a + rand:uniform(26) - 1 || _ <- lists:seq(1, small())];
                2 -> [rand:uniform(255) || _ <- lists:seq(1, small())];
                3 -> [rand:uniform(16#D7FF) || _ <- lists:seq(1, small())];
                4 -> [16#10000 + rand:uniform(16#FFFFF)
                      || _ <- lists:seq(1, rand:uniform(255))]
            end,
    list_to_atom(Chars).

bin() -> rand_bytes(rand:uniform(40) - 1).

rand_bytes(N) -> << <<(rand:uniform(256) - 1)>> || _ <- lists:seq(1, N) >>.
