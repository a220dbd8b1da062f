#!/usr/bin/env escript
%% -*- erlang -*-
%% make-corpus.escript: seeds the fuzz corpora from the golden vectors.
%%
%%   escript tests/fuzz/make-corpus.escript tests/data/golden.txt tests/fuzz/corpus
%%
%% fuzz_etf_decode gets every golden encoding of at most 2 KiB; fuzz_frame
%% gets streams of a few framed vectors behind its two control bytes
%% (maximum frame size, chunk size); fuzz_worker gets a list server's
%% messages to its worker, as frames and as programs (fuzz_worker.c).
-mode(compile).

main([Golden, Dir]) ->
    {ok, Data} = file:read_file(Golden),
    Vs = [binary:decode_hex(H)
          || <<T, " ", H/binary>> <- binary:split(Data, <<"\n">>, [global]),
             T =:= $E orelse T =:= $D,
             byte_size(H) =< 4096],
    Dec = filename:join(Dir, "fuzz_etf_decode"),
    Fr = filename:join(Dir, "fuzz_frame"),
    ok = filelib:ensure_dir(filename:join(Dec, "x")),
    ok = filelib:ensure_dir(filename:join(Fr, "x")),
    write(Dec, Vs),
    rand:seed(exsss, {1, 2, 3}),
    Frames = [frames(Vs) || _ <- lists:seq(1, 40)]
        ++ [<<255, 0, 0:32>>, <<0, 3, 255, 255, 255, 255>>,
            <<1, 1, 0, 0, 0, 1, 131>>],
    write(Fr, Frames),
    Wk = filename:join(Dir, "fuzz_worker"),
    ok = filelib:ensure_dir(filename:join(Wk, "x")),
    write(Wk, worker_seeds()).

%% The first byte: bit 0 program or frames, bits 1-2 journal_max, bits 3-4
%% checkpoints per pass, bit 5 peer 1 a new server of list "a", bit 6 a
%% crash instead of an orderly stop.
worker_seeds() ->
    A = <<"a">>,
    Add = fun(Id, T) -> {add, Id, {2026, 12, 1}, T} end,
    Streams =
        [[{get, A}, {append, A, 1, [Add(1, <<"milk">>)]}, {get, A}],
         [{store, A, 0, list([{1, <<"bread">>}, {2, <<"eggs">>}])},
          {append, A, 1, [{update, 1, nil, <<"rye">>}, {delete, 2}]},
          {append, A, 1, [Add(3, <<"resent">>)]}, {get, A}],
         [{append, A, 1, [Add(I, <<"entry">>) || I <- lists:seq(1, 20)]},
          {append, <<"b">>, 1, [Add(1, <<"other">>)]},
          {append, A, 2, [{update, 5, {2027, 1, 2}, nil}]}, {get, A},
          {get, <<"b">>}],
         [{append, A, 0, [Add(1, <<"seq 0">>)]}],
         [{get, <<"../x">>}],
         [{append, A, 1, []}],
         [{store, A, 1, not_a_list}]],
    Frames = [<<(Flags):8, (framed(S))/binary>>
              || {Flags, S} <- lists:zip([0, 4, 12, 36, 0, 0, 0], Streams)],
    Programs =
        [%% appends to a, b and c through a small journal, then gets
         <<13, (p_append(0, 0, 1, [{add, 1, <<"hi">>}]))/binary,
           (p_append(0, 1, 1, [{add, 1, <<"x">>}, {add, 2, <<"y">>}]))/binary,
           (p_append(0, 2, 1, [{add, 1, <<"ok">>}]))/binary,
           (p_append(0, 0, 2, [{update, 1, <<"ho">>}, {delete, 1}]))/binary,
           (p_get(0, 0))/binary, (p_get(0, 1))/binary>>,
         %% a store, changes from both peers, a raw frame
         <<39, (p_store(0, 0, 0, [<<"abc">>, <<"d">>]))/binary,
           (p_append(1, 0, 1, [{add, 3, <<"zz">>}]))/binary,
           (p_append(0, 3, 1, [{add, 1, <<"d">>}]))/binary,
           3, 4, 131, 104, 0, 0, (p_get(1, 0))/binary>>,
         %% resent appends (not written), a get that forgets the Seq
         <<3, (p_append(0, 0, 1, [{add, 1, <<"one">>}]))/binary,
           (p_append(0, 0, 1, [{add, 2, <<"resent">>}]))/binary,
           (p_append(0, 0, 2, [{add, 2, <<"two">>}]))/binary,
           (p_get(0, 0))/binary,
           (p_append(0, 0, 1, [{update, 1, <<"uno">>}]))/binary,
           (p_append(0, 0, 1, [{delete, 2}]))/binary, (p_get(0, 0))/binary>>,
         %% stores and Seq: a store replaces the list, the Seq goes on
         <<1, (p_store(0, 1, 5, [<<"x">>, <<"y">>, <<"z">>]))/binary,
           (p_append(0, 1, 3, [{delete, 1}]))/binary,
           (p_append(0, 1, 6, [{delete, 1}, {add, 7, <<"seven">>}]))/binary,
           (p_store(0, 1, 6, [<<"resent">>]))/binary, (p_get(0, 1))/binary,
           (p_store(0, 1, 0, [<<"after a get">>]))/binary,
           (p_append(0, 1, 1, [{add, 2, <<"b2">>}]))/binary>>,
         %% ops that do not apply as they are, next_id, a leap day; then
         %% a day that is not one closes the link
         <<5, (p_append(0, 2, 1, [{add, 1, <<"a">>}, {add, 1, <<"again">>},
                                  {update, 9, <<"missing">>},
                                  {delete, 9}]))/binary,
           (p_append(0, 2, 2, [{add, 200, <<"far">>}, {delete, 200},
                               {add, 4, <<"four">>}]))/binary,
           (p_append(0, 2, 3, [{add, 5, {2024, 2, 29}, <<"leap">>},
                               {update, 6, {2024, 3, 1}},
                               {update, 4, {2024, 2, 29}, <<"both">>}]))/binary,
           (p_get(0, 2))/binary,
           (p_append(0, 2, 4, [{add, 3, {2025, 2, 29}, <<"no">>}]))/binary,
           (p_append(0, 2, 5, [{add, 8, <<"never read">>}]))/binary>>,
         %% each peer its own lists; peer 1 a new server of a
         <<35, (p_append(0, 0, 1, [{add, 1, <<"a1">>}]))/binary,
           (p_append(1, 1, 1, [{add, 1, <<"b1">>}]))/binary,
           (p_append(0, 0, 2, [{add, 2, <<"a2">>}]))/binary,
           (p_store(1, 1, 2, [<<"b">>]))/binary, (p_get(1, 1))/binary,
           (p_append(1, 3, 1, [{add, 3, <<"d3">>}]))/binary,
           (p_get(0, 0))/binary>>],
    Crashes = [<<(F bor 64), Rest/binary>>
               || <<F, Rest/binary>> <- [hd(Frames), lists:nth(3, Frames)
                                         | Programs]],
    Frames ++ Programs ++ Crashes.

%% Program instructions (fuzz_worker.c): peer, list index, ...
p_get(Peer, L) -> <<(Peer bsl 7 bor (L bsl 2))>>.

p_append(Peer, L, Seq, Ops) ->
    <<(Peer bsl 7 bor (L bsl 2) bor 1), Seq, (length(Ops) - 1),
      << <<(p_op(Op))/binary>> || Op <- Ops >>/binary>>.

p_store(Peer, L, Seq, Titles) ->
    <<(Peer bsl 7 bor (L bsl 2) bor 2), Seq, (length(Titles)),
      << <<26, 11, 0, (byte_size(T)), T/binary>> || T <- Titles >>/binary>>.

%% Dates 2026-12-01 unless given (years 2000 to 2039).  An update's id
%% says what it sets: bit 0 clear a date, bit 1 clear a title.
p_op({add, Id, T}) -> p_op({add, Id, {2026, 12, 1}, T});
p_op({add, Id, D, T}) -> <<0, Id, (p_date(D))/binary, (byte_size(T)), T/binary>>;
p_op({update, Id, T}) when Id band 3 =:= 1 -> <<1, Id, (byte_size(T)), T/binary>>;
p_op({update, Id, D}) when Id band 3 =:= 2 -> <<1, Id, (p_date(D))/binary>>;
p_op({update, Id, D, T}) when Id band 3 =:= 0 ->
    <<1, Id, (p_date(D))/binary, (byte_size(T)), T/binary>>;
p_op({delete, Id}) -> <<2, Id>>.

p_date({Y, M, D}) -> <<(Y - 2000), M, D>>.

list(Entries) ->
    #{'__struct__' => 'Elixir.Todo.List',
      next_id => length(Entries) + 1,
      entries => maps:from_list(
                   [{Id, #{id => Id, date => day(), title => T}}
                    || {Id, T} <- Entries])}.

day() ->
    #{'__struct__' => 'Elixir.Date', calendar => 'Elixir.Calendar.ISO',
      year => 2026, month => 12, day => 1}.

framed(Terms) ->
    << <<(byte_size(B)):32, B/binary>>
       || B <- [term_to_binary(T) || T <- Terms] >>.

frames(Vs) ->
    N = rand:uniform(4),
    Body = << <<(byte_size(V)):32, V/binary>>
              || V <- [lists:nth(rand:uniform(length(Vs)), Vs)
                       || _ <- lists:seq(1, N)] >>,
    <<255, (rand:uniform(17) - 1), Body/binary>>.

write(Dir, Bins) ->
    lists:foreach(
      fun({I, B}) ->
              Name = io_lib:format("seed-~3..0b", [I]),
              ok = file:write_file(filename:join(Dir, Name), B)
      end, lists:zip(lists:seq(1, length(Bins)), Bins)).
